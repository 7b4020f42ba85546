#include "actions/action_runner.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <set>
#include <thread>

#include "actions/helix_client.hpp"
#include "actions/helix_policy.hpp"
#include "actions/obs_client.hpp"
#include "live/shutdown_io_context.hpp"

namespace hyped {
namespace asio = boost::asio;

struct ActionRunner::Impl : std::enable_shared_from_this<ActionRunner::Impl> {
  Impl(ActionOptions o, ResultHandler h) : opt(std::move(o)), on_result(std::move(h)) {}

  ActionOptions opt;
  ResultHandler on_result;
  ShutdownIoContext ioc{1};  // finish() destroys the actions still waiting: each holds this Impl
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
  std::thread thread;
  std::unique_ptr<HelixClient> helix;
  std::unique_ptr<ObsClient> obs;
  std::set<std::pair<std::string, long long>> acted;  // runner thread only
  std::atomic<long long> in_flight{0};                // highlights queued or being acted on
  std::atomic<long long> dropped{0};
  bool finished = false;  // its context was shut down: it does not start again

  void report(ActionResult r, const std::string& channel, long long id) {
    r.channel = channel;
    r.highlight_id = id;
    if (on_result) on_result(r);
  }

  asio::awaitable<void> revalidate_hourly(std::shared_ptr<Impl> /*keep*/) {
    for (;;) {
      asio::steady_timer t(ioc);
      t.expires_after(opt.twitch.validate_interval);
      auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      try {
        co_await helix->validate();
      } catch (const std::exception& e) {
        spdlog::error("twitch: {}", e.what());
      }
    }
  }

  asio::awaitable<void> act(std::shared_ptr<Impl> self, std::string channel, Highlight h) {
    if (opt.delay_s > 0) {
      asio::steady_timer t(ioc);
      t.expires_after(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(opt.delay_s)));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    const std::string login = opt.twitch.broadcaster.empty() ? channel : opt.twitch.broadcaster;
    // The actions of one highlight run side by side; each reports when it is done.
    if (opt.obs.enabled && opt.obs.save_replay) {
      ++in_flight;
      asio::co_spawn(ioc, one(self, channel, h.id, ActionKind::ObsReplay, login, "hyped #" + std::to_string(h.id)),
                     asio::detached);
    }
    if (opt.twitch.enabled && opt.twitch.clip) {
      ++in_flight;
      asio::co_spawn(ioc, one(self, channel, h.id, ActionKind::TwitchClip, login, ""), asio::detached);
    }
    if (opt.twitch.enabled && opt.twitch.marker) {
      ++in_flight;
      asio::co_spawn(ioc, one(self, channel, h.id, ActionKind::TwitchMarker, login, marker_description(h)),
                     asio::detached);
    }
    --in_flight;
  }

  asio::awaitable<void> one(std::shared_ptr<Impl> /*keep*/, std::string channel, long long id, ActionKind kind,
                            std::string login, std::string text) {
    ActionResult r;
    r.kind = kind;
    if (opt.dry_run) {
      const char* what = kind == ActionKind::ObsReplay    ? "save OBS's replay buffer"
                         : kind == ActionKind::TwitchClip ? "create a Twitch clip of"
                                                          : "place a stream marker on";
      spdlog::info("actions (dry run): would {} {} for highlight {}", what,
                   kind == ActionKind::ObsReplay ? std::string() : "'" + login + "'", id);
      r.ok = true;
      r.dry_run = true;
    } else {
      try {
        if (kind == ActionKind::ObsReplay)
          r = co_await obs->save_replay(text);
        else if (kind == ActionKind::TwitchClip)
          r = co_await helix->create_clip(login);
        else
          r = co_await helix->create_marker(login, text);
      } catch (const std::exception& e) {
        r.ok = false;
        r.error = e.what();
      }
    }
    r.kind = kind;
    // OBS refusing the password was said once, as it happened.
    const bool said = kind == ActionKind::ObsReplay && obs && r.error == obs->fatal_error();
    if (!r.ok && !said) spdlog::warn("action {} for {} #{} failed: {}", to_string(kind), channel, id, r.error);
    report(std::move(r), channel, id);
    --in_flight;
  }
};

ActionRunner::ActionRunner(ActionOptions opt, ResultHandler on_result)
    : impl_(std::make_shared<Impl>(std::move(opt), std::move(on_result))) {}

ActionRunner::~ActionRunner() { finish(std::chrono::milliseconds(0)); }

void ActionRunner::start() {
  Impl& s = *impl_;
  if (s.thread.joinable() || s.finished) return;
  s.thread = std::thread([&ioc = s.ioc] { ioc.run(); });
  if (s.opt.dry_run) {
    spdlog::info("actions: dry run: nothing is sent to OBS or Twitch");
    return;
  }
  if (s.opt.twitch.enabled) {
    s.helix = std::make_unique<HelixClient>(s.ioc.get_executor(), s.opt.twitch);
    std::promise<void> validated;
    asio::co_spawn(s.ioc, s.helix->validate(), [&validated](std::exception_ptr e) {
      if (e)
        validated.set_exception(e);
      else
        validated.set_value();
    });
    try {
      validated.get_future().get();
    } catch (...) {
      finish(std::chrono::milliseconds(0));
      throw;
    }
    asio::co_spawn(s.ioc, s.revalidate_hourly(impl_), asio::detached);
  }
  if (s.opt.obs.enabled) {
    s.obs = std::make_unique<ObsClient>(s.ioc.get_executor(), s.opt.obs);
    s.obs->start();
  }
}

void ActionRunner::submit(const std::string& channel, const Highlight& h) {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  if (s.in_flight.load() >= static_cast<long long>(s.opt.queue_limit)) {
    if (s.dropped++ == 0) spdlog::warn("actions: {} highlights waiting; dropping new ones", s.opt.queue_limit);
    return;
  }
  ++s.in_flight;
  asio::post(s.ioc, [self = impl_, channel, h] {
    if (!self->acted.insert({channel, h.id}).second) {  // a revision, or seen already
      --self->in_flight;
      return;
    }
    asio::co_spawn(self->ioc, self->act(self, channel, h), asio::detached);
  });
}

void ActionRunner::finish(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (const long long left = s.in_flight.load(); left > 0)
    spdlog::warn("actions: stopping with {} action{} unfinished", left, left == 1 ? "" : "s");
  if (s.obs) s.obs->stop();
  asio::post(s.ioc, [&s] {
    s.work.reset();
    s.ioc.stop();
  });
  s.thread.join();
  s.ioc.shutdown();
  s.finished = true;
}

long long ActionRunner::dropped() const { return impl_->dropped.load(); }

}  // namespace hyped
