#include "actions/helix_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "live/url.hpp"

namespace hyped {

// Results of co_await are assigned to locals declared beforehand, never used to initialise them: GCC 12
// mis-destroys such locals in some coroutines (double free).
namespace asio = boost::asio;

namespace {
long long now_epoch_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}
}  // namespace

HelixClient::HelixClient(asio::any_io_executor executor, TwitchActionOptions opt)
    : ex_(std::move(executor)), opt_(std::move(opt)), trust_(make_tls_trust(opt_.ca_file)) {
  opt_.api_url = trim_slash(opt_.api_url);
  opt_.id_url = trim_slash(opt_.id_url);
}

asio::awaitable<void> HelixClient::sleep(std::chrono::milliseconds d) {
  asio::steady_timer t(ex_);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> HelixClient::validate() {
  HttpClient http(ex_, trust_);
  HttpRequest req;
  req.url = opt_.id_url + "/oauth2/validate";
  req.headers = {{"Authorization", "OAuth " + opt_.token}};
  HttpResponse res;
  for (int attempt = 1;; ++attempt) {
    res = co_await http.request(req);
    if (res.error.empty() && res.status < 500) break;
    if (attempt >= opt_.attempts) throw std::runtime_error("cannot validate the Twitch token: " + res.describe());
    co_await sleep(opt_.backoff * (1 << std::min(attempt - 1, 6)));
  }
  const TokenCheck check = parse_token_validation(res.status, res.body);
  if (!check.info) throw std::runtime_error(check.error);
  const std::vector<std::string> missing = missing_scopes(*check.info, required_scopes(opt_.clip, opt_.marker));
  if (!missing.empty()) {
    std::string names;
    for (const std::string& s : missing) names += (names.empty() ? "'" : ", '") + s + "'";
    throw std::runtime_error("the Twitch token lacks the scope" + std::string(missing.size() > 1 ? "s " : " ") + names +
                             " (clips need clips:edit, markers channel:manage:broadcast): create a token with them");
  }
  client_id_ = check.info->client_id;
  spdlog::info("twitch: token of '{}' valid for {} more minutes", check.info->login, check.info->expires_in_s / 60);
}

asio::awaitable<HttpResponse> HelixClient::call(std::string method, std::string url, std::string body) {
  HttpClient http(ex_, trust_);
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers = {{"Authorization", "Bearer " + opt_.token}, {"Client-Id", client_id_}};
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  HttpResponse res;
  for (int attempt = 1;; ++attempt) {
    if (const auto wait = wait_before_request(rate_, now_epoch_s()); wait.count() > 0) {
      spdlog::info("twitch: rate limit reached; waiting {} s for it to reset", wait.count() / 1000);
      co_await sleep(wait);
    }
    res = co_await http.request(req);
    if (res.error.empty()) rate_.update(res.header("Ratelimit-Remaining"), res.header("Ratelimit-Reset"));
    const RetryDecision d =
        decide_retry(res.status, !res.error.empty(), rate_, now_epoch_s(), attempt, opt_.attempts, opt_.backoff);
    if (!d.retry) co_return res;
    const std::string path = url.substr(0, url.find('?')).substr(std::min(url.size(), opt_.api_url.size()));
    spdlog::info("twitch: {} {}: {}; retrying in {} ms", method, path,
                 res.status == 429 ? "rate limited (429)" : res.describe(), d.wait.count());
    co_await sleep(d.wait);
  }
}

asio::awaitable<std::string> HelixClient::broadcaster_id(std::string login, std::string& error) {
  // A clip and a marker of one highlight ask at once: the second waits for the first's answer.
  while (looking_up_.count(login) > 0) co_await sleep(std::chrono::milliseconds(20));
  if (const auto it = user_ids_.find(login); it != user_ids_.end()) co_return it->second;
  looking_up_.insert(login);
  struct Done {
    std::set<std::string>& set;
    std::string key;
    ~Done() { set.erase(key); }
  } done{looking_up_, login};
  const std::string url = opt_.api_url + "/helix/users?login=" + url_encode(login);
  HttpResponse res;

  res = co_await call("GET", url, "");
  if (!res.ok()) {
    error = "cannot look up '" + login + "': " + res.describe();
    co_return std::string();
  }
  const auto id = parse_user_id(res.body);
  if (!id) {
    error = "no Twitch user '" + login + "'";
    co_return std::string();
  }
  user_ids_[login] = *id;
  co_return *id;
}

asio::awaitable<ActionResult> HelixClient::create_clip(std::string login) {
  ActionResult r;
  r.kind = ActionKind::TwitchClip;
  std::string id;

  id = co_await broadcaster_id(login, r.error);
  if (id.empty()) co_return r;
  const std::string create_url = opt_.api_url + "/helix/clips?broadcaster_id=" + url_encode(id);
  HttpResponse created;

  created = co_await call("POST", create_url, "");
  if (created.status != 202 && !created.ok()) {
    r.error = created.error.empty() ? describe_helix_refusal(true, created.status, created.body) : created.describe();
    co_return r;
  }
  r.clip_id = parse_created_clip_id(created.body);
  if (r.clip_id.empty()) {
    r.error = "Twitch accepted the clip but named no id";
    co_return r;
  }
  // Twitch makes the clip after answering: it exists once Get Clips finds it.
  const auto deadline = std::chrono::steady_clock::now() + opt_.clip_confirm_timeout;
  const std::string get_url = opt_.api_url + "/helix/clips?id=" + url_encode(r.clip_id);
  for (;;) {
    co_await sleep(opt_.clip_poll_interval);
    HttpResponse found;

    found = co_await call("GET", get_url, "");
    if (found.ok())
      if (const auto url = parse_clip_url(found.body)) {
        r.clip_url = *url;
        r.ok = true;
        co_return r;
      }
    if (std::chrono::steady_clock::now() >= deadline) {
      r.error = "clip " + r.clip_id + " was not confirmed within " +
                std::to_string(opt_.clip_confirm_timeout.count() / 1000) + " s";
      co_return r;
    }
  }
}

asio::awaitable<ActionResult> HelixClient::create_marker(std::string login, std::string description) {
  ActionResult r;
  r.kind = ActionKind::TwitchMarker;
  std::string id;

  id = co_await broadcaster_id(login, r.error);
  if (id.empty()) co_return r;
  const std::string body = nlohmann::json{{"user_id", id}, {"description", description}}.dump();
  const std::string url = opt_.api_url + "/helix/streams/markers";
  HttpResponse res;

  res = co_await call("POST", url, body);
  if (!res.ok()) {
    r.error = res.error.empty() ? describe_helix_refusal(false, res.status, res.body) : res.describe();
    co_return r;
  }
  r.position_s = parse_marker_position(res.body);
  r.ok = r.position_s.has_value();
  if (!r.ok) r.error = "Twitch's answer names no marker position";
  co_return r;
}

}  // namespace hyped
