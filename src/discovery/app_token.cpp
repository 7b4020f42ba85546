#include "discovery/app_token.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "discovery/helix_listing.hpp"

namespace hyped {

namespace asio = boost::asio;

bool app_token_due(std::chrono::steady_clock::time_point obtained, long long expires_in_s,
                   std::chrono::steady_clock::time_point now) {
  const auto life = std::chrono::seconds(std::max(0LL, expires_in_s));
  const auto margin = std::max<std::chrono::steady_clock::duration>(
      life / 10, std::min<std::chrono::steady_clock::duration>(life / 2, std::chrono::minutes(1)));
  return now >= obtained + life - margin;
}

AppTokenSource::AppTokenSource(asio::any_io_executor ex, AppCredentials creds, std::shared_ptr<TlsTrust> trust)
    : ex_(std::move(ex)), creds_(std::move(creds)), trust_(std::move(trust)) {
  while (!creds_.id_url.empty() && creds_.id_url.back() == '/') creds_.id_url.pop_back();
}

// Results of co_await are assigned to locals declared beforehand (GCC 12 coroutine bug).
asio::awaitable<std::string> AppTokenSource::token() {
  const auto now = std::chrono::steady_clock::now();
  if (!token_.empty() && !app_token_due(obtained_, expires_in_s_, now)) co_return token_;
  HttpClient http(ex_, trust_);
  HttpRequest req;
  req.method = "POST";
  req.url = creds_.id_url + "/oauth2/token";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = app_token_request_body(creds_.client_id, creds_.client_secret);
  HttpResponse res;
  for (int attempt = 1;; ++attempt) {
    res = co_await http.request(req);
    if (res.error.empty() && res.status < 500 && res.status != 429) break;
    if (attempt >= 3) throw std::runtime_error("cannot get a Twitch app access token: " + res.describe());
    asio::steady_timer t(ex_);
    t.expires_after(std::chrono::milliseconds(500 << attempt));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  const AppTokenResult r = parse_app_token(res.status, res.body);
  if (r.refused) throw AppCredentialsError(r.error + " (check discovery.client_id and $HYPED_TWITCH_CLIENT_SECRET)");
  if (!r.error.empty()) throw std::runtime_error(r.error);
  token_ = r.token;
  expires_in_s_ = r.expires_in_s;
  obtained_ = std::chrono::steady_clock::now();
  ++fetches_;
  spdlog::info("twitch: app access token for {} valid for {} minutes", creds_.client_id, r.expires_in_s / 60);
  co_return token_;
}

}  // namespace hyped
