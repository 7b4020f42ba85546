#include "discovery/helix_listing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "live/url.hpp"

namespace hyped {
namespace {

using json = nlohmann::json;

std::optional<json> parse_json(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string string_field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string message_of(std::string_view body) {
  const auto j = parse_json(body);
  if (!j || !j->is_object()) return std::string(body.substr(0, 200));
  return string_field(*j, "message");
}

std::string trim_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

StreamsPageResult parse_streams_page(std::string_view body) {
  const auto j = parse_json(body);
  if (!j || !j->is_object()) return {std::nullopt, "Get Streams answered with something other than JSON"};
  const auto data = j->find("data");
  if (data == j->end() || !data->is_array()) return {std::nullopt, "Get Streams' answer holds no data array"};
  StreamsPage page;
  for (const json& s : *data) {
    if (!s.is_object()) continue;
    LiveChannel c;
    c.login = string_field(s, "user_login");
    if (c.login.empty()) continue;
    std::transform(c.login.begin(), c.login.end(), c.login.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (const auto v = s.find("viewer_count"); v != s.end() && v->is_number_integer()) c.viewers = v->get<long long>();
    c.game_id = string_field(s, "game_id");
    c.language = string_field(s, "language");
    // Only live streams: Helix says "live"; an empty type (error state) is not followed.
    if (const auto type = s.find("type"); type != s.end() && type->is_string() && type->get<std::string>() != "live")
      continue;
    page.streams.push_back(std::move(c));
  }
  if (const auto p = j->find("pagination"); p != j->end() && p->is_object()) page.cursor = string_field(*p, "cursor");
  return {std::move(page), {}};
}

GameLookup parse_game_lookup(std::string_view body, std::string_view name) {
  const auto j = parse_json(body);
  if (!j || !j->is_object() || !j->contains("data") || !(*j)["data"].is_array())
    return {std::nullopt, "Get Games answered with something other than its JSON"};
  for (const json& g : (*j)["data"])
    if (g.is_object())
      if (std::string id = string_field(g, "id"); !id.empty()) return {std::move(id), {}};
  return {std::nullopt, "no game named '" + std::string(name) + "' on Twitch"};
}

AppTokenResult parse_app_token(int status, std::string_view body) {
  AppTokenResult r;
  if (status == 400 || status == 401 || status == 403) {
    const std::string why = message_of(body);
    r.error = "Twitch refused the app credentials: " + (why.empty() ? "HTTP " + std::to_string(status) : why);
    r.refused = true;
    return r;
  }
  if (status < 200 || status >= 300) {
    r.error = "Twitch's token endpoint answered HTTP " + std::to_string(status);
    return r;
  }
  const auto j = parse_json(body);
  if (!j || !j->is_object()) {
    r.error = "Twitch's token endpoint answered with something other than JSON";
    return r;
  }
  r.token = string_field(*j, "access_token");
  if (const auto e = j->find("expires_in"); e != j->end() && e->is_number()) r.expires_in_s = e->get<long long>();
  if (r.token.empty()) r.error = "Twitch's token answer holds no access_token";
  return r;
}

std::string app_token_request_body(std::string_view client_id, std::string_view client_secret) {
  return "client_id=" + url_encode(client_id) + "&client_secret=" + url_encode(client_secret) +
         "&grant_type=client_credentials";
}

std::string streams_url(std::string_view api_url, const TopQuery& q, std::string_view cursor) {
  std::string url = trim_slash(api_url) + "/helix/streams?first=100";
  if (!q.game_id.empty()) url += "&game_id=" + url_encode(q.game_id);
  if (!q.language.empty()) url += "&language=" + url_encode(q.language);
  if (!cursor.empty()) url += "&after=" + url_encode(cursor);
  return url;
}

TopListing::TopListing(TopQuery q, int max_pages) : q_(std::move(q)), max_pages_(std::max(1, max_pages)) {}

std::optional<std::string> TopListing::add_page(const StreamsPage& page) {
  ++pages_;
  for (const LiveChannel& c : page.streams) {
    if (static_cast<int>(channels_.size()) >= q_.count) return std::nullopt;
    if (c.viewers < q_.min_viewers) return std::nullopt;  // sorted by viewers: the rest have fewer
    if (std::none_of(channels_.begin(), channels_.end(), [&](const LiveChannel& x) { return x.login == c.login; }))
      channels_.push_back(c);
  }
  if (static_cast<int>(channels_.size()) >= q_.count || page.cursor.empty() || page.streams.empty() ||
      pages_ >= max_pages_)
    return std::nullopt;
  return page.cursor;
}

SetChange diff_followed(const std::vector<std::string>& followed, const std::vector<std::string>& wanted) {
  const std::set<std::string> want(wanted.begin(), wanted.end());
  const std::set<std::string> have(followed.begin(), followed.end());
  SetChange c;
  for (const std::string& f : followed)
    if (!want.count(f)) c.leave.push_back(f);
  std::set<std::string> joined;
  for (const std::string& w : wanted)
    if (!have.count(w) && joined.insert(w).second) c.join.push_back(w);
  return c;
}

}  // namespace hyped
