#include "discovery/channel_discovery.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include "core/iso8601.hpp"
#include "discovery/app_token.hpp"
#include "discovery/stream_lister.hpp"

namespace hyped {

namespace asio = boost::asio;

struct ChannelDiscovery::Impl {
  Impl(ChannelDiscovery& o, DiscoveryOptions op, TopRequest r)
      : owner(o),
        opt(std::move(op)),
        req(std::move(r)),
        trust(make_tls_trust(opt.ca_file)),
        tokens(ioc.get_executor(), AppCredentials{opt.client_id, opt.client_secret, opt.id_url}, trust),
        lister(ioc.get_executor(), tokens, opt.api_url, trust),
        timer(ioc) {}

  ChannelDiscovery& owner;
  DiscoveryOptions opt;
  TopRequest req;
  asio::io_context ioc{1};
  std::shared_ptr<TlsTrust> trust;
  AppTokenSource tokens;
  StreamLister lister;
  asio::steady_timer timer;
  std::optional<std::string> game_id;
  std::vector<std::string> followed;  // as discovery made it
  DiscoveryStatus status;
  bool stopping = false;
  std::thread thread;

  void publish() {
    if (owner.on_status) owner.on_status(status);
  }

  // One listing and the changes it brings. Throws (the caller counts it).
  asio::awaitable<void> list_once() {
    if (!game_id) {
      std::string id;
      id = co_await lister.game_id(req.game);
      game_id = id;
      if (id != req.game) spdlog::info("discovery: game '{}' is id {}", req.game, id);
    }
    TopQuery q;
    q.count = req.count;
    q.game_id = *game_id;
    q.language = req.language;
    q.min_viewers = req.min_viewers;
    std::vector<LiveChannel> top;
    top = co_await lister.list(q, opt.max_pages);
    std::vector<std::string> wanted;
    for (const LiveChannel& c : top) wanted.push_back(c.login);
    if (owner.on_listing) owner.on_listing(wanted);
    const SetChange change = diff_followed(followed, wanted);
    for (const std::string& login : change.leave) {
      spdlog::info("discovery: {} left the top {}", login, req.count);
      std::erase(followed, login);
      ++status.left;
      if (owner.on_leave) owner.on_leave(login);
    }
    for (const std::string& login : change.join) {
      followed.push_back(login);
      ++status.joined;
      if (owner.on_join) owner.on_join(login);
    }
    ++status.listings;
    status.last_listing = format_iso8601(std::chrono::system_clock::now());
    spdlog::info("discovery: following {} live channel(s) ({} joined, {} left)", followed.size(), change.join.size(),
                 change.leave.size());
    publish();
  }

  asio::awaitable<void> check_token() {
    std::string token;
    token = co_await tokens.token();
  }

  // Runs `work` on the caller's thread to its end; rethrows what it threw.
  void run_here(asio::awaitable<void> work) {
    std::exception_ptr failure;
    asio::co_spawn(ioc, std::move(work), [&failure](std::exception_ptr e) { failure = e; });
    ioc.run();
    ioc.restart();
    if (failure) std::rethrow_exception(failure);
  }

  asio::awaitable<void> loop(bool wait_first) {
    while (!stopping) {
      if (wait_first) {
        timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(opt.interval_s)));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      wait_first = true;
      if (stopping) break;
      std::optional<std::string> failure;
      bool fatal = false;
      try {
        co_await list_once();
      } catch (const AppCredentialsError& e) {
        failure = e.what();
        fatal = true;
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!failure) continue;
      ++status.failures;
      status.last_error = *failure;
      publish();
      if (fatal) {
        spdlog::error("discovery: {}", *failure);
        if (owner.on_fatal) owner.on_fatal(*failure);
        break;
      }
      spdlog::warn("discovery: {}; keeping the {} channel(s) followed", *failure, followed.size());
    }
  }
};

ChannelDiscovery::ChannelDiscovery(DiscoveryOptions opt, TopRequest req)
    : impl_(std::make_unique<Impl>(*this, std::move(opt), std::move(req))) {}

ChannelDiscovery::~ChannelDiscovery() { stop(); }

void ChannelDiscovery::list_now() { impl_->run_here(impl_->list_once()); }

void ChannelDiscovery::check_credentials() { impl_->run_here(impl_->check_token()); }

void ChannelDiscovery::start(bool list_at_once) {
  Impl& s = *impl_;
  if (s.thread.joinable()) return;
  s.stopping = false;
  asio::co_spawn(s.ioc, s.loop(!list_at_once), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("discovery stopped: {}", x.what());
    }
  });
  s.thread = std::thread([&s] { s.ioc.run(); });
}

void ChannelDiscovery::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::post(s.ioc, [&s] {
    s.stopping = true;
    s.timer.cancel();
  });
  s.thread.join();
  // For a later start(): the stop request may still wait in the queue when the loop ended by itself.
  s.ioc.restart();
  s.ioc.poll();
  s.ioc.restart();
}

void ChannelDiscovery::forget(const std::string& login) {
  asio::post(impl_->ioc, [this, login] { std::erase(impl_->followed, login); });
}

}  // namespace hyped
