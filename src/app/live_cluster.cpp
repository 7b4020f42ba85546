#include "app/live_cluster.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "app/cluster_top.hpp"
#include "app/highlight_actions.hpp"
#include "app/session_chat.hpp"
#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/cluster_worker.hpp"
#include "cluster/event_publisher.hpp"
#include "server/alert_server.hpp"
#include "server/messages.hpp"

namespace hyped {

namespace {

// The worker's channels, followed by the live session.
class SessionHost : public cluster::ChannelHost {
 public:
  explicit SessionHost(LiveSession& s) : session_(s) {}

  void follow(const cluster::WantedChannel& w) override {
    {
      std::lock_guard lock(mu_);
      left_.erase(w.name);
      chat_[w.name] = cluster::chat_channel_of(w);  // before the session tells chat it follows the channel
    }
    try {
      if (w.url.empty()) session_.add_twitch_channel(w.name);
      else session_.add_url(w.name, w.url);
    } catch (const std::invalid_argument& e) {
      spdlog::error("cluster: cannot follow '{}': {}", w.name, e.what());
    }
  }

  void unfollow(const std::string& name) override {
    {
      std::lock_guard lock(mu_);
      left_.erase(name);
    }
    if (!session_.remove_channel(name)) return;
    // Its last highlight reaches the worker before the channel is reported gone.
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return left_.count(name) > 0; }))
      spdlog::warn("cluster: '{}' took more than 10 s to stop", name);
  }

  // The Twitch chat of a channel followed; empty: none.
  std::string chat_of(const std::string& name) {
    std::lock_guard lock(mu_);
    const auto it = chat_.find(name);
    return it == chat_.end() ? std::string() : it->second;
  }

  // Detector thread: the session let a channel go (removed, or its stream ended).
  void left(const std::string& name) {
    std::lock_guard lock(mu_);
    left_.insert(name);
    chat_.erase(name);
    cv_.notify_all();
  }

 private:
  LiveSession& session_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> left_;
  std::map<std::string, std::string> chat_;  // channel → its chat
};

std::string default_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return cluster::sanitize_worker_id(std::string(host) + "-" + std::to_string(getpid()));
}

}  // namespace

int run_live_cluster(const LiveOptions& opt, AppConfig& cfg, LiveSessionOptions so, const std::optional<ClusterTop>& top) {
  if (!opt.channels.empty() || !opt.urls.empty())
    throw ConfigError("a cluster worker follows the cluster's channels: add them with `hyped cluster add`, not here");
  if (!opt.chat_channel.empty()) throw ConfigError("--chat-channel goes with one stream, not with --cluster");
  cluster::ClusterOptions co = cfg.cluster;
  co.url = opt.cluster;
  if (co.url.rfind("nats://", 0) != 0) throw ConfigError("--cluster expects nats://HOST:PORT, not '" + co.url + "'");
  const std::string id = opt.worker_id.empty() ? default_worker_id() : opt.worker_id;
  if (id != cluster::sanitize_worker_id(id))
    throw ConfigError("--worker-id '" + id + "': use 1-64 of A-Z a-z 0-9 _ -");

  std::unique_ptr<ChannelDiscovery> discovery;
  if (top) {
    discovery = std::make_unique<ChannelDiscovery>(top->options, top->request);
    // Every worker with --top, leader or not: refused credentials are one line and exit 1 at start.
    discovery->check_credentials();
  }

  so.wait_for_channels = true;
  LiveSession session(so);
  cluster::ClusterStore store(co, "hyped-worker-" + id);
  cluster::EventPublisher publisher(store.connection(), co.publish_buffer);
  SessionHost host(session);
  cluster::ClusterWorker worker(store, publisher, host, id, co, cfg.detector.warmup_s, cfg.detector.refractory_s);

  std::unique_ptr<AlertServer> server;
  if (!opt.serve.empty()) {
    parse_listen_address(opt.serve, cfg.server);
    server = std::make_unique<AlertServer>(cfg.server);
    server->start();
    session.on_backend = [&server](const std::string& name) { server->set_backend(name); };
    session.on_tick = [&server](double ms) { server->observe_tick(ms); };
  }
  if (opt.dry_run_actions) cfg.actions.dry_run = true;
  HighlightActions actions(cfg.actions, server.get(), /*print=*/true,
                           [&worker](const ActionResult& r) { worker.on_action(r); });
  session.on_highlight = [&](const LiveHighlight& h) {
    // Published under the cluster's id, or held back while this worker only warms up on the channel.
    const std::optional<Highlight> published = worker.on_highlight(h.channel, h.highlight, h.wall_time);
    if (!published) return;
    print_line(highlight_message(h.channel, *published, h.wall_time));
    if (server) server->publish_highlight(h.channel, *published, h.wall_time);
    actions.submit(h.channel, *published);
  };
  session.on_hop = [&, start = std::map<std::string, std::chrono::steady_clock::time_point>(),
                    last = std::map<std::string, double>()](const std::string& ch, double t, const HopFeatures& f) mutable {
    if (server) server->publish_score(ch, t, f);
    double& seen = last.try_emplace(ch, -1.0).first->second;
    if (t - seen < 1.0 && t >= seen) return;  // once a stream second (and again when a channel restarts)
    seen = t;
    const auto now = std::chrono::steady_clock::now();
    const auto began = start.try_emplace(ch, now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                          std::chrono::duration<double>(t)))
                           .first->second;
    const double lag = std::max(0.0, std::chrono::duration<double>(now - began).count() - t);
    worker.on_progress(ch, t, lag);
    if (server) server->set_channel_status({ch, t, lag});
  };
  // Chat joins as a channel starts being followed (shadowing a hand-over included: the taker's chat
  // statistics warm up too) and parts as it stops.
  std::unique_ptr<SessionChat> chat;
  if (!opt.no_chat) chat = std::make_unique<SessionChat>(cfg, session);
  session.on_channel = [&host, &worker, &chat](const std::string& ch, bool followed) {
    if (chat) {
      try {
        chat->on_channel(ch, followed, host.chat_of(ch));
      } catch (const ConfigError& e) {
        spdlog::error("cluster: no chat for '{}': {}", ch, e.what());
      }
    }
    if (followed) return;
    host.left(ch);
    worker.on_stream_ended(ch);
  };
  session.on_broadcast = [](const std::string& channel, bool live, std::chrono::system_clock::time_point when) {
    print_line(broadcast_message(channel, live, when));
  };
  std::mutex fatal_mutex;
  std::string fatal;
  std::unique_ptr<ClusterTopLister> lister;
  if (discovery) {
    discovery->on_fatal = [&session, &fatal_mutex, &fatal](const std::string& error) {
      {
        std::lock_guard lock(fatal_mutex);
        fatal = error;
      }
      session.stop();
    };
    lister = std::make_unique<ClusterTopLister>(store, *discovery, id, describe_top_request(top->request));
    lister->on_status = [&server](const DiscoveryStatus& st) {
      if (server) server->set_discovery(st);
    };
  }
  spdlog::info("cluster worker {} on {}", id, co.url);
  worker.start();
  if (lister) lister->start();
  const std::vector<LiveChannelReport> reports = session.run();
  if (lister) lister->stop();  // hands the lead back: a standby lists at once
  worker.stop();  // hands the leases back: the others take the channels at once
  if (chat) chat->stop();
  publisher.flush(std::chrono::seconds(5));
  const cluster::PublisherCounters c = publisher.counters();
  spdlog::info("worker {}: {} events published ({} duplicates), {} dropped, {} still buffered", id, c.published,
               c.duplicates, c.dropped, c.buffered);
  for (const LiveChannelReport& r : reports)
    spdlog::info("[{}] {:.0f} s of audio in {} segments, {} highlights; {} gaps ({:.1f} s)", r.channel, r.audio_s,
                 r.segments, r.highlights, r.gaps, r.gap_s);
  actions.finish();
  if (server) server->finish("worker stopped");
  {
    std::lock_guard lock(fatal_mutex);
    if (!fatal.empty()) throw std::runtime_error(fatal);
  }
  return 0;
}

}  // namespace hyped
