#include "actions/helix_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace hyped {
namespace {

std::optional<long long> parse_int(std::string_view s) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

const nlohmann::json* first_data(const nlohmann::json& j) {
  if (!j.is_object()) return nullptr;
  const auto d = j.find("data");
  if (d == j.end() || !d->is_array() || d->empty() || !(*d)[0].is_object()) return nullptr;
  return &(*d)[0];
}

std::string message_of(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object())
    if (const auto m = j.find("message"); m != j.end() && m->is_string()) return m->get<std::string>();
  return {};
}

}  // namespace

TokenCheck parse_token_validation(int status, const std::string& body) {
  if (status == 401) return {std::nullopt, "the Twitch token is invalid or expired (/oauth2/validate answered 401)"};
  if (status != 200) return {std::nullopt, "cannot validate the Twitch token: HTTP " + std::to_string(status)};
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return {std::nullopt, "cannot validate the Twitch token: the answer is not a JSON object"};
  TokenInfo t;
  t.client_id = j.value("client_id", "");
  t.login = j.value("login", "");
  t.user_id = j.value("user_id", "");
  if (const auto e = j.find("expires_in"); e != j.end() && e->is_number_integer()) t.expires_in_s = e->get<long long>();
  if (const auto s = j.find("scopes"); s != j.end() && s->is_array())
    for (const auto& x : *s)
      if (x.is_string()) t.scopes.push_back(x.get<std::string>());
  if (t.client_id.empty()) return {std::nullopt, "cannot validate the Twitch token: the answer names no client_id"};
  return {std::move(t), {}};
}

std::vector<std::string> required_scopes(bool clip, bool marker) {
  std::vector<std::string> s;
  if (clip) s.emplace_back("clips:edit");
  if (marker) s.emplace_back("channel:manage:broadcast");
  return s;
}

std::vector<std::string> missing_scopes(const TokenInfo& token, const std::vector<std::string>& needed) {
  std::vector<std::string> out;
  for (const std::string& s : needed)
    if (std::find(token.scopes.begin(), token.scopes.end(), s) == token.scopes.end()) out.push_back(s);
  return out;
}

void RateLimitState::update(std::string_view remaining_header, std::string_view reset_header) {
  if (const auto r = parse_int(remaining_header)) remaining = r;
  if (const auto r = parse_int(reset_header)) reset_epoch_s = r;
}

std::chrono::milliseconds wait_before_request(const RateLimitState& rl, long long now_epoch_s) {
  if (!rl.remaining || *rl.remaining > 0 || !rl.reset_epoch_s) return std::chrono::milliseconds(0);
  // The bucket refills at the reset second: wait into it, at most a minute (Twitch's window).
  const long long s = std::clamp(*rl.reset_epoch_s - now_epoch_s + 1, 0LL, 60LL);
  return std::chrono::milliseconds(s * 1000);
}

RetryDecision decide_retry(int status, bool transport_failure, const RateLimitState& rl, long long now_epoch_s,
                           int attempts_made, int max_attempts, std::chrono::milliseconds backoff) {
  if (status == 429) {
    // A 429 is Twitch saying "not yet", not a failure of the request: it does not use up an attempt
    // unless it keeps coming (twice the attempts).
    if (attempts_made >= 2 * max_attempts) return {};
    long long s = rl.reset_epoch_s ? *rl.reset_epoch_s - now_epoch_s + 1 : 1;
    return {true, std::chrono::milliseconds(std::clamp(s, 1LL, 60LL) * 1000)};
  }
  if (transport_failure || status >= 500) {
    if (attempts_made >= max_attempts) return {};
    return {true, backoff * (1 << std::min(attempts_made - 1, 6))};
  }
  return {};
}

std::string describe_helix_refusal(bool clip, int status, const std::string& body) {
  if (status == 404) return "not live";
  if (status == 403) return clip ? "clips disabled" : "not allowed to mark this channel";
  if (status == 401) return "token rejected";
  const std::string m = message_of(body);
  return "HTTP " + std::to_string(status) + (m.empty() ? "" : ": " + m);
}

std::string parse_created_clip_id(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* d = first_data(j);
  return d ? d->value("id", "") : std::string();
}

std::optional<std::string> parse_clip_url(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* d = first_data(j);
  if (!d) return std::nullopt;
  const std::string url = d->value("url", "");
  if (url.empty()) return std::nullopt;
  return url;
}

std::optional<double> parse_marker_position(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* d = first_data(j);
  if (!d) return std::nullopt;
  const auto p = d->find("position_seconds");
  if (p == d->end() || !p->is_number()) return std::nullopt;
  return p->get<double>();
}

std::optional<std::string> parse_user_id(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* d = first_data(j);
  if (!d) return std::nullopt;
  const std::string id = d->value("id", "");
  if (id.empty()) return std::nullopt;
  return id;
}

std::string marker_description(const Highlight& h) {
  std::string s = fmt::format("hyped #{}: score {:.1f}", h.id, h.score);
  if (!h.reasons.empty()) s += " (" + join_reasons(h.reasons) + ")";
  if (s.size() > 140) s.resize(140);
  return s;
}

}  // namespace hyped
