// Lists live channels through Helix with an app access token: a game name resolved to its id once
// (Get Games), then Get Streams page by page (TopListing decides when to stop). Twitch's rate limit is
// honoured and 5xx / transport failures retried (actions/helix_policy); a 401 fetches a new token once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actions/helix_policy.hpp"
#include "discovery/app_token.hpp"
#include "discovery/helix_listing.hpp"
#include "live/http_client.hpp"

namespace hyped {

class StreamLister {
 public:
  StreamLister(boost::asio::any_io_executor ex, AppTokenSource& tokens, std::string api_url,
               std::shared_ptr<TlsTrust> trust);
  // A game's id: digits are taken as an id, anything else is looked up by name. Throws with the reason.
  boost::asio::awaitable<std::string> game_id(std::string game);
  // The top channels for `q`; throws with the reason when Twitch does not answer or refuses.
  boost::asio::awaitable<std::vector<LiveChannel>> list(TopQuery q, int max_pages);

 private:
  boost::asio::awaitable<HttpResponse> get(std::string url);

  boost::asio::any_io_executor ex_;
  AppTokenSource& tokens_;
  std::string api_url_;
  std::shared_ptr<TlsTrust> trust_;
  RateLimitState rate_;
  std::map<std::string, std::string> games_;  // name → id
};

}  // namespace hyped
