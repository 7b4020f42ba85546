// An app access token from Twitch's OAuth client-credentials grant (POST id_url/oauth2/token), fetched
// when first needed and again before it expires. The secret travels only in that request's body and the
// token only in Authorization headers; neither is logged.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "live/http_client.hpp"

namespace hyped {

// Twitch refused the client id or secret: asking again cannot help.
class AppCredentialsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct AppCredentials {
  std::string client_id, client_secret;
  std::string id_url = "https://id.twitch.tv";
};

// Whether a token that lasts expires_in_s from `obtained` is due for renewal at `now`: once a tenth of
// its life is left, or a minute (half, for a token that lasts less than two). Pure.
bool app_token_due(std::chrono::steady_clock::time_point obtained, long long expires_in_s,
                   std::chrono::steady_clock::time_point now);

class AppTokenSource {
 public:
  AppTokenSource(boost::asio::any_io_executor ex, AppCredentials creds, std::shared_ptr<TlsTrust> trust);
  // The token, fetched first when there is none or it is due. Throws AppCredentialsError when Twitch
  // refuses the credentials, std::runtime_error when it does not answer (after a few attempts).
  boost::asio::awaitable<std::string> token();
  // Helix refused the token (401): the next token() fetches a new one.
  void invalidate() { token_.clear(); }
  const std::string& client_id() const { return creds_.client_id; }
  long long fetches() const { return fetches_; }

 private:
  boost::asio::any_io_executor ex_;
  AppCredentials creds_;
  std::shared_ptr<TlsTrust> trust_;
  std::string token_;
  long long expires_in_s_ = 0;
  std::chrono::steady_clock::time_point obtained_{};
  long long fetches_ = 0;
};

}  // namespace hyped
