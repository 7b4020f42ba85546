#include "discovery/stream_lister.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "live/url.hpp"

namespace hyped {

// Results of co_await are assigned to locals declared beforehand (GCC 12 coroutine bug).
namespace asio = boost::asio;

namespace {
long long now_epoch_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

StreamLister::StreamLister(asio::any_io_executor ex, AppTokenSource& tokens, std::string api_url,
                           std::shared_ptr<TlsTrust> trust)
    : ex_(std::move(ex)), tokens_(tokens), api_url_(std::move(api_url)), trust_(std::move(trust)) {
  while (!api_url_.empty() && api_url_.back() == '/') api_url_.pop_back();
}

asio::awaitable<HttpResponse> StreamLister::get(std::string url) {
  HttpClient http(ex_, trust_);
  HttpResponse res;
  bool renewed = false;
  for (int attempt = 1;; ++attempt) {
    std::string token;
    token = co_await tokens_.token();
    HttpRequest req;
    req.url = url;
    req.headers = {{"Client-Id", tokens_.client_id()}, {"Authorization", "Bearer " + token}};
    if (const auto wait = wait_before_request(rate_, now_epoch_s()); wait.count() > 0) {
      asio::steady_timer t(ex_);
      t.expires_after(wait);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    res = co_await http.request(req);
    if (res.error.empty()) rate_.update(res.header("Ratelimit-Remaining"), res.header("Ratelimit-Reset"));
    if (res.status == 401 && !renewed) {  // revoked or expired early: one fresh token
      tokens_.invalidate();
      renewed = true;
      continue;
    }
    const RetryDecision d =
        decide_retry(res.status, !res.error.empty(), rate_, now_epoch_s(), attempt, 3, std::chrono::milliseconds(500));
    if (!d.retry) co_return res;
    asio::steady_timer t(ex_);
    t.expires_after(d.wait);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<std::string> StreamLister::game_id(std::string game) {
  if (game.empty() || std::all_of(game.begin(), game.end(), [](unsigned char c) { return std::isdigit(c); }))
    co_return game;
  if (const auto it = games_.find(game); it != games_.end()) co_return it->second;
  HttpResponse res;
  res = co_await get(api_url_ + "/helix/games?name=" + url_encode(game));
  if (!res.ok()) throw std::runtime_error("cannot look up the game '" + game + "': " + res.describe());
  const GameLookup g = parse_game_lookup(res.body, game);
  if (!g.id) throw std::runtime_error(g.error);
  games_[game] = *g.id;
  co_return *g.id;
}

asio::awaitable<std::vector<LiveChannel>> StreamLister::list(TopQuery q, int max_pages) {
  TopListing listing(q, max_pages);
  std::optional<std::string> cursor = std::string();
  while (cursor) {
    HttpResponse res;
    res = co_await get(streams_url(api_url_, q, *cursor));
    if (!res.ok()) throw std::runtime_error("Get Streams: " + res.describe());
    const StreamsPageResult page = parse_streams_page(res.body);
    if (!page.page) throw std::runtime_error(page.error);
    cursor = listing.add_page(*page.page);
  }
  spdlog::debug("discovery: {} channels in {} pages", listing.channels().size(), listing.pages());
  co_return listing.channels();
}

}  // namespace hyped
