#include "live/twitch_resolver.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "live/m3u8.hpp"
#include "live/url.hpp"

namespace hyped {

namespace {

// streamlink and the web player send this persisted query's hash; the server knows the query by it.
constexpr const char* kPlaybackAccessTokenHash = "0828119ded1c13477966434e15800ff57ddacf13ba1911c129dc2200705b0712";

std::string short_body(const std::string& body) {
  std::string s = body.substr(0, 200);
  std::replace_if(s.begin(), s.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  return s;
}

// Usher answers errors as JSON: [{"url":…,"error":"Can not find channel","error_code":"…"}].
std::string usher_error(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* e = j.is_array() && !j.empty() ? &j[0] : (j.is_object() ? &j : nullptr);
  if (e && e->is_object()) {
    std::string msg = e->value("error", std::string());
    const std::string code = e->value("error_code", std::string());
    if (!code.empty()) msg += (msg.empty() ? "" : " ") + ("(" + code + ")");
    if (!msg.empty()) return msg;
  }
  return short_body(body);
}

// No answer (unless retrying cannot help, as with a rejected certificate), or 5xx/429.
bool unavailable(const HttpResponse& r) { return r.error.empty() ? r.status >= 500 || r.status == 429 : !r.permanent; }

}  // namespace

std::string normalize_twitch_login(const std::string& channel) {
  std::string s = channel;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool ok = !s.empty() && s.size() <= 25 &&
                  std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
  if (!ok) throw std::invalid_argument("'" + channel + "' is not a Twitch channel name (1-25 letters, digits or _)");
  return s;
}

boost::asio::awaitable<TwitchStream> resolve_twitch_stream(HttpClient& http, const TwitchOptions& opt, std::string channel) {
  const nlohmann::json body = {
      {"operationName", "PlaybackAccessToken"},
      {"extensions", {{"persistedQuery", {{"version", 1}, {"sha256Hash", kPlaybackAccessTokenHash}}}}},
      {"variables", {{"isLive", true}, {"login", channel}, {"isVod", false}, {"vodID", ""}, {"playerType", "embed"}}}};
  HttpRequest req;
  req.method = "POST";
  req.url = opt.gql_url;
  req.headers = {{"Client-ID", opt.client_id}, {"Content-Type", "text/plain;charset=UTF-8"}};
  req.body = body.dump();
  const HttpResponse tr = co_await http.request(req);
  if (!tr.ok()) {
    const std::string why = "cannot get a playback token for Twitch channel '" + channel + "': " + tr.describe() +
                            (tr.error.empty() && !tr.body.empty() ? " (" + short_body(tr.body) + ")" : "");
    if (unavailable(tr)) throw TwitchUnavailableError(why);
    throw TwitchError(why);
  }
  const auto j = nlohmann::json::parse(tr.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw TwitchError("cannot get a playback token for Twitch channel '" + channel + "': the answer is not JSON");
  if (j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    const std::string msg = e.is_object() ? e.value("message", std::string("unknown error")) : std::string("unknown error");
    throw TwitchError("cannot get a playback token for Twitch channel '" + channel + "': " + msg);
  }
  const auto data = j.find("data");
  if (data == j.end() || !data->is_object() || !data->contains("streamPlaybackAccessToken"))
    throw TwitchError("cannot get a playback token for Twitch channel '" + channel + "': unexpected answer " +
                      short_body(tr.body));
  const auto& tok = (*data)["streamPlaybackAccessToken"];
  if (tok.is_null()) throw TwitchError("Twitch channel '" + channel + "' does not exist");
  if (!tok.is_object() || !tok.contains("value") || !tok.contains("signature") || !tok["value"].is_string() ||
      !tok["signature"].is_string())
    throw TwitchError("cannot get a playback token for Twitch channel '" + channel + "': token lacks value/signature");
  const std::string value = tok["value"].get<std::string>();
  const std::string sig = tok["signature"].get<std::string>();

  std::mt19937 rng{std::random_device{}()};
  std::string usher = opt.usher_url;
  while (!usher.empty() && usher.back() == '/') usher.pop_back();
  TwitchStream out;
  out.master_url = usher + "/api/channel/hls/" + url_encode(channel) + ".m3u8?player=twitchweb&p=" +
                   std::to_string(rng() % 1000000) + "&type=any&allow_source=true&allow_audio_only=true" +
                   "&allow_spectre=false&fast_bread=true&sig=" + url_encode(sig) + "&token=" + url_encode(value);
  const HttpResponse mr = co_await http.get(out.master_url);
  if (mr.status == 404) throw TwitchOfflineError("Twitch channel '" + channel + "' is offline (" + usher_error(mr.body) + ")");
  if (mr.status == 403)
    throw TwitchError("Twitch refused the playback token for channel '" + channel + "': " + usher_error(mr.body));
  if (!mr.ok()) {
    const std::string why = "cannot load the playlist of Twitch channel '" + channel + "': " + mr.describe() +
                            (mr.error.empty() && !mr.body.empty() ? " (" + usher_error(mr.body) + ")" : "");
    if (unavailable(mr)) throw TwitchUnavailableError(why);
    throw TwitchError(why);
  }
  const M3u8Result master = parse_m3u8(mr.body);
  if (!master.ok || !master.is_master)
    throw TwitchError("the playlist of Twitch channel '" + channel + "' is not a master playlist" +
                      (master.ok ? "" : ": " + master.describe_error()));
  const std::string chosen = choose_audio_uri(master.master);
  out.rendition = "audio_only";
  for (const HlsVariant& v : master.master.variants)
    if (v.uri == chosen) out.rendition = v.audio_only() ? "audio_only" : (v.name.empty() ? v.video : v.name);
  if (out.rendition != "audio_only")
    spdlog::warn("[{}] no audio_only rendition; following the lowest bandwidth one ({})", channel, out.rendition);
  out.media_url = resolve_url(mr.url, chosen);
  co_return out;
}

}  // namespace hyped
