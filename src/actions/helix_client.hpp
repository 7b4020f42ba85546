// Twitch Helix for actions: the token validated (scopes named when missing), logins mapped to ids, a clip
// created and confirmed, a stream marker placed. Requests honour Twitch's rate limit and retry 5xx with
// backoff; the token travels only in the Authorization header and is never logged.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "actions/action_options.hpp"
#include "actions/helix_policy.hpp"
#include "core/action_result.hpp"
#include "live/http_client.hpp"

namespace hyped {

class HelixClient {
 public:
  HelixClient(boost::asio::any_io_executor executor, TwitchActionOptions opt);

  // Throws std::runtime_error with one clear line: the token is invalid, or lacks a scope (named).
  boost::asio::awaitable<void> validate();
  // `login`: the broadcaster. Results carry kind, ok and the clip URL / marker position or the error.
  boost::asio::awaitable<ActionResult> create_clip(std::string login);
  boost::asio::awaitable<ActionResult> create_marker(std::string login, std::string description);

 private:
  // One Helix call with the auth headers, rate-limit waits and retries.
  boost::asio::awaitable<HttpResponse> call(std::string method, std::string url, std::string body);
  // The broadcaster's user id, cached; empty with `error` set when unknown.
  boost::asio::awaitable<std::string> broadcaster_id(std::string login, std::string& error);
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);

  boost::asio::any_io_executor ex_;
  TwitchActionOptions opt_;
  std::shared_ptr<TlsTrust> trust_;
  std::string client_id_;
  RateLimitState rate_;
  std::map<std::string, std::string> user_ids_;
  std::set<std::string> looking_up_;
};

}  // namespace hyped
