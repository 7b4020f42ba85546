#include "vod/twitch_vod_api.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "live/url.hpp"

namespace hyped {

namespace {

// The persisted queries the web player sends; the server knows each query by its hash.
constexpr const char* kPlaybackAccessTokenHash = "0828119ded1c13477966434e15800ff57ddacf13ba1911c129dc2200705b0712";
constexpr const char* kVideoCommentsHash = "b70a3591ff0f4e0313d126c6a1502d79a1c02baebb288227c582044aa76adf6a";

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::string one_line(std::string_view s, std::size_t max = 160) {
  std::string out(s.substr(0, max));
  std::replace_if(out.begin(), out.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  return out;
}

// A GQL answer is an object, or an array holding one when the request was a batch.
const nlohmann::json* answer_object(const nlohmann::json& j) {
  if (j.is_object()) return &j;
  if (j.is_array() && !j.empty() && j[0].is_object()) return &j[0];
  return nullptr;
}

// The first GQL error's message, classified: the integrity check is the one users can act on.
std::optional<VodApiError> gql_error(const nlohmann::json& a) {
  const auto it = a.find("errors");
  if (it == a.end() || !it->is_array() || it->empty()) return std::nullopt;
  const auto& e = (*it)[0];
  std::string msg = e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>()
                                                                                        : std::string("unknown error");
  VodApiError err;
  err.kind = msg.find("integrity") != std::string::npos ? VodApiError::Integrity : VodApiError::Refused;
  err.what = one_line(msg);
  return err;
}

const nlohmann::json* find_path(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  const nlohmann::json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    const auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

// The answer's data.<field>, or why there is none: a GQL error, a malformed answer, or NotFound when
// Twitch answers null (no such video). `what` names the answer in messages.
const nlohmann::json* gql_field(const nlohmann::json& j, std::string_view body, const char* field, const char* what,
                                VodApiError& error) {
  const nlohmann::json* a = j.is_discarded() ? nullptr : answer_object(j);
  if (!a) {
    error = {VodApiError::Malformed, std::string(what) + " is not JSON: " + one_line(body, 80)};
    return nullptr;
  }
  if (auto e = gql_error(*a)) {
    error = *e;
    return nullptr;
  }
  const nlohmann::json* node = find_path(*a, {"data", field});
  if (!node) {
    error = {VodApiError::Malformed, std::string("unexpected ") + what + ": " + one_line(body, 80)};
    return nullptr;
  }
  if (node->is_null()) {
    error = {VodApiError::NotFound, "Twitch has no such video"};
    return nullptr;
  }
  return node;
}

std::string string_at(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<double> parse_twitch_offset(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (all_digits(t)) return std::stod(std::string(t));
  double total = 0;
  std::size_t i = 0;
  char last_unit = 0;
  while (i < t.size()) {
    std::size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j == i || j == t.size() || j - i > 9) return std::nullopt;
    const double v = std::stod(std::string(t.substr(i, j - i)));
    const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(t[j])));
    // Units in order h, m, s, each at most once.
    const std::string_view order = "hms";
    const auto pos = order.find(unit);
    if (pos == std::string_view::npos || (last_unit && pos <= order.find(last_unit))) return std::nullopt;
    total += v * (unit == 'h' ? 3600 : unit == 'm' ? 60 : 1);
    last_unit = unit;
    i = j + 1;
  }
  return total;
}

std::optional<TwitchVodRef> parse_twitch_vod_ref(std::string_view in) {
  if (in.empty() || in.size() > 2048) return std::nullopt;
  TwitchVodRef ref;
  if ((in[0] == 'v' || in[0] == 'V') && all_digits(in.substr(1))) {
    ref.id = std::string(in.substr(1));
    return ref;
  }
  std::string_view s = in;
  for (std::string_view scheme : {"https://", "http://"})
    if (starts_with_ci(s, scheme)) {
      s.remove_prefix(scheme.size());
      break;
    }
  bool host_ok = false;
  for (std::string_view host : {"www.twitch.tv/", "m.twitch.tv/", "twitch.tv/"})
    if (starts_with_ci(s, host)) {
      s.remove_prefix(host.size());
      host_ok = true;
      break;
    }
  if (!host_ok || !starts_with_ci(s, "videos/")) return std::nullopt;
  s.remove_prefix(7);
  const std::size_t end = s.find_first_of("?#/");
  ref.id = std::string(s.substr(0, end));
  if (!all_digits(ref.id)) return std::nullopt;
  if (end != std::string_view::npos && s[end] == '?') {
    std::string_view query = s.substr(end + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view kv = query.substr(0, amp);
      if (kv.substr(0, 2) == "t=")
        if (const auto off = parse_twitch_offset(kv.substr(2))) ref.start_s = *off;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return ref;
}

std::string vod_token_request(const std::string& vod_id) {
  const nlohmann::json body = {
      {"operationName", "PlaybackAccessToken"},
      {"extensions", {{"persistedQuery", {{"version", 1}, {"sha256Hash", kPlaybackAccessTokenHash}}}}},
      {"variables", {{"isLive", false}, {"login", ""}, {"isVod", true}, {"vodID", vod_id}, {"playerType", "embed"}}}};
  return body.dump();
}

VodTokenResult parse_vod_token_answer(std::string_view body) {
  VodTokenResult r;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* tok = gql_field(j, body, "videoPlaybackAccessToken", "the token answer", r.error);
  if (!tok) return r;
  const std::string value = tok->is_object() ? string_at(*tok, "value") : std::string();
  const std::string sig = tok->is_object() ? string_at(*tok, "signature") : std::string();
  if (value.empty() || sig.empty()) {
    r.error = {VodApiError::Malformed, "the token lacks value or signature"};
    return r;
  }
  r.token = VodToken{value, sig};
  return r;
}

std::string usher_vod_url(std::string_view usher_base, const std::string& vod_id, const VodToken& token, unsigned nonce) {
  std::string base(usher_base);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/vod/" + vod_id + ".m3u8?allow_source=true&allow_audio_only=true&player=twitchweb&p=" +
         std::to_string(nonce % 1000000) + "&sig=" + url_encode(token.signature) + "&token=" + url_encode(token.value);
}

std::string comment_page_request(const std::string& vod_id, const std::string& cursor) {
  nlohmann::json vars = {{"videoID", vod_id}};
  if (cursor.empty())
    vars["contentOffsetSeconds"] = 0;
  else
    vars["cursor"] = cursor;
  const nlohmann::json body = {
      {"operationName", "VideoCommentsByOffsetOrCursor"},
      {"variables", vars},
      {"extensions", {{"persistedQuery", {{"version", 1}, {"sha256Hash", kVideoCommentsHash}}}}}};
  return body.dump();
}

CommentPageResult parse_comment_page(std::string_view body) {
  CommentPageResult r;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* video = gql_field(j, body, "video", "a comment page", r.error);
  if (!video) return r;
  const nlohmann::json* comments = find_path(*video, {"comments"});
  CommentPage page;
  if (!comments || comments->is_null()) {  // a VOD without chat
    r.page = std::move(page);
    return r;
  }
  const nlohmann::json* edges = find_path(*comments, {"edges"});
  if (!edges || !edges->is_array()) {
    r.error = {VodApiError::Malformed, "a comment page without edges"};
    return r;
  }
  std::string last_cursor;
  for (const auto& edge : *edges) {
    if (!edge.is_object()) {
      ++page.malformed;
      continue;
    }
    if (const std::string c = string_at(edge, "cursor"); !c.empty()) last_cursor = c;
    const nlohmann::json* node = find_path(edge, {"node"});
    const nlohmann::json* off = node ? find_path(*node, {"contentOffsetSeconds"}) : nullptr;
    if (!off || !off->is_number() || !std::isfinite(off->get<double>()) || off->get<double>() < 0) {
      ++page.malformed;
      continue;
    }
    ChatLogEntry e;
    e.t_s = off->get<double>();
    if (const nlohmann::json* who = find_path(*node, {"commenter"}); who && who->is_object())
      e.user = string_at(*who, "login");
    if (const nlohmann::json* frags = find_path(*node, {"message", "fragments"}); frags && frags->is_array())
      for (const auto& f : *frags) {
        if (!f.is_object()) continue;
        e.text += string_at(f, "text");
        if (const auto em = f.find("emote"); em != f.end() && em->is_object()) ++e.emotes;
      }
    page.entries.push_back(std::move(e));
  }
  const nlohmann::json* next = find_path(*comments, {"pageInfo", "hasNextPage"});
  if (next && next->is_boolean() && next->get<bool>()) {
    if (last_cursor.empty()) {
      r.error = {VodApiError::Malformed, "a comment page says more follow but gives no cursor"};
      return r;
    }
    page.next_cursor = last_cursor;
  }
  r.page = std::move(page);
  return r;
}

}  // namespace hyped
