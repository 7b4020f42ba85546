// The decisions of the Twitch Helix client, as pure functions: which scopes a token lacks, how long to
// wait under Twitch's rate limit or after a failure, what Helix's answers mean for an action, and what
// a marker says. The client (helix_client) only does the I/O around them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/highlight.hpp"

namespace hyped {

struct TokenInfo {
  std::string client_id, login, user_id;
  std::vector<std::string> scopes;
  long long expires_in_s = 0;
};

// /oauth2/validate's answer; `error` says why a token is not usable ("the token is invalid or expired").
struct TokenCheck {
  std::optional<TokenInfo> info;
  std::string error;
};
TokenCheck parse_token_validation(int status, const std::string& body);

// Scopes the enabled actions need: clips:edit for clips, channel:manage:broadcast for markers.
std::vector<std::string> required_scopes(bool clip, bool marker);
// Those of `needed` the token does not carry, in order.
std::vector<std::string> missing_scopes(const TokenInfo& token, const std::vector<std::string>& needed);

// Twitch's token bucket as the last response told it (Ratelimit-Remaining, Ratelimit-Reset: epoch seconds).
struct RateLimitState {
  std::optional<long long> remaining;
  std::optional<long long> reset_epoch_s;
  void update(std::string_view remaining_header, std::string_view reset_header);
};
// How long to hold the next request: until the reset when the bucket is empty, else not at all.
std::chrono::milliseconds wait_before_request(const RateLimitState& rl, long long now_epoch_s);

// What to do after one attempt of a request.
struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds wait{0};
};
// 429: wait for Ratelimit-Reset (at least 1 s when unknown or past, at most 60 s), and try again; 5xx and
// transport failures: exponential backoff from `backoff` while attempts remain; anything else: done.
RetryDecision decide_retry(int status, bool transport_failure, const RateLimitState& rl, long long now_epoch_s,
                           int attempts_made, int max_attempts, std::chrono::milliseconds backoff);

// The result text of a refused clip or marker: 404 "not live", 403 "clips disabled" (a clip) or
// "not allowed" (a marker), 401 "token rejected", else "HTTP n: message".
std::string describe_helix_refusal(bool clip, int status, const std::string& body);

// Create Clip's 202 answer: the new clip's id (empty when the answer holds none).
std::string parse_created_clip_id(const std::string& body);
// Get Clips' answer: the clip's URL once Twitch has made it, nothing while it is still being made.
std::optional<std::string> parse_clip_url(const std::string& body);
// Create Stream Marker's answer: the marker's position in the broadcast.
std::optional<double> parse_marker_position(const std::string& body);
// Get Users' answer: the first user's id.
std::optional<std::string> parse_user_id(const std::string& body);
// A marker's description (Twitch allows 140 characters): "hyped #3: score 4.1 (audio+chat)".
std::string marker_description(const Highlight& h);

}  // namespace hyped
