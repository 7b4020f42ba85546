#include "app/cluster_command.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include "app/config.hpp"
#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/highlight_feed.hpp"
#include "core/iso8601.hpp"
#include "server/alert_server.hpp"

namespace hyped {

namespace {

cluster::ClusterOptions cluster_options(const AppConfig& cfg, const std::string& url) {
  cluster::ClusterOptions o = cfg.cluster;
  if (!url.empty()) o.url = url;
  if (o.url.rfind("nats://", 0) != 0) throw ConfigError("--cluster expects nats://HOST:PORT, not '" + o.url + "'");
  return o;
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// SIGINT and SIGTERM, blocked in every thread started after this, are waited for here.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  // True when one arrived within `timeout`.
  bool wait(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000000};
    return sigtimedwait(&set_, nullptr, &ts) > 0;
  }

 private:
  sigset_t set_{}, old_{};
};

}  // namespace

int run_serve(const ServeOptions& opt) {
  AppConfig cfg = opt.config.empty() ? default_config() : load_config(opt.config);
  const cluster::ClusterOptions co = cluster_options(cfg, opt.cluster);
  if (opt.serve.empty()) throw ConfigError("hyped serve needs --serve ADDR:PORT");
  try {
    parse_listen_address(opt.serve, cfg.server);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  StopSignals signals;
  cluster::ClusterStore store(co, "hyped-serve");
  // Every server fed from this stream hands out its ids: one run, the stream's.
  cfg.server.started = format_iso8601(static_cast<double>(store.stream_state().created_ms) / 1000.0);
  AlertServer server(cfg.server);
  server.set_backend("cluster");
  cluster::HighlightFeed feed(store, {[&server](const cluster::HighlightEvent& e, bool replayed) {
                                        if (replayed) server.restore_highlight(e.channel, e.highlight, e.wall);
                                        else server.publish_highlight(e.channel, e.highlight, e.wall);
                                      },
                                      [&server](const ActionResult& r, bool replayed) {
                                        if (replayed) server.restore_action(r);
                                        else server.publish_action(r);
                                      }});
  feed.start();  // the kept highlights are in before the first client can ask for them
  server.start();
  spdlog::info("serving the highlights of the cluster at {}", co.url);
  while (!signals.wait(std::chrono::seconds(2))) {
    // Per-channel progress from the workers' heartbeats, for /api/status and /metrics.
    try {
      for (const cluster::WorkerStatus& w : store.workers())
        for (const auto& [name, load] : w.channels) server.set_channel_status({name, load.media_s, load.lag_s});
    } catch (const std::exception& e) {
      spdlog::debug("cluster: {}", e.what());
    }
  }
  feed.stop();
  server.finish("server shutting down");
  return 0;
}

namespace {

void print_status(cluster::ClusterStore& store, bool as_json) {
  const std::vector<cluster::WantedChannel> wanted = store.wanted();
  const std::map<std::string, cluster::LeaseEntry> leases = store.leases();
  std::vector<cluster::WorkerStatus> workers = store.workers();
  std::sort(workers.begin(), workers.end(), [](const auto& a, const auto& b) { return a.worker < b.worker; });
  const long long now = now_ms();
  const double lease_s = store.lease_s();
  std::map<std::string, cluster::ChannelLoad> loads;
  for (const auto& w : workers)
    for (const auto& [name, l] : w.channels) loads[name] = l;
  const cluster::ClusterStore::StreamState stream = store.stream_state();
  if (as_json) {
    nlohmann::json j = {{"lease_s", lease_s}, {"stream", {{"messages", stream.messages}, {"last_seq", stream.last_seq}}}};
    j["workers"] = nlohmann::json::array();
    for (const auto& w : workers) {
      nlohmann::json channels = nlohmann::json::object();
      for (const auto& [name, l] : w.channels) channels[name] = {{"media_s", l.media_s}, {"lag_s", l.lag_s}};
      nlohmann::json shadowing = nlohmann::json::array();
      for (const auto& [name, l] : w.shadowing) shadowing.push_back(name);
      j["workers"].push_back({{"worker", w.worker}, {"streams", w.streams}, {"cpu_headroom", w.cpu_headroom},
                              {"up_s", (now - w.started_ms) / 1000.0}, {"published", w.published},
                              {"buffered", w.buffered}, {"dropped", w.dropped}, {"channels", channels},
                              {"warming_up", shadowing}});
    }
    j["channels"] = nlohmann::json::array();
    for (const auto& w : wanted) {
      nlohmann::json c = {{"channel", w.name}, {"source", w.url.empty() ? "twitch" : w.url}};
      if (const auto it = leases.find(w.name); it != leases.end()) {
        c["worker"] = it->second.lease.worker;
        c["held_s"] = (now - it->second.lease.since_ms) / 1000.0;
        c["expires_in_s"] = std::max(0.0, (it->second.written_ms + lease_s * 1000 - now) / 1000.0);
        if (!it->second.lease.handover_to.empty()) c["handover_to"] = it->second.lease.handover_to;
      } else {
        c["worker"] = nullptr;
      }
      if (const auto l = loads.find(w.name); l != loads.end()) c["lag_s"] = l->second.lag_s;
      j["channels"].push_back(c);
    }
    std::cout << j.dump() << std::endl;
    return;
  }
  std::printf("%zu worker(s), %zu wanted channel(s), %zu followed; leases last %.0f s; stream: %llu highlights and actions kept\n\n",
              workers.size(), wanted.size(),
              static_cast<std::size_t>(std::count_if(wanted.begin(), wanted.end(), [&](const auto& w) { return leases.count(w.name) > 0; })),
              lease_s, static_cast<unsigned long long>(stream.messages));
  std::printf("%-24s %7s %8s %9s %8s %7s %8s\n", "WORKER", "STREAMS", "CPU IDLE", "PUBLISHED", "BUFFERED", "DROPPED", "UP");
  for (const auto& w : workers)
    std::printf("%-24s %7d %7.0f%% %9lld %8lld %7lld %7.0fs\n", w.worker.c_str(), w.streams, 100 * w.cpu_headroom, w.published,
                w.buffered, w.dropped, (now - w.started_ms) / 1000.0);
  std::printf("\n%-24s %-24s %8s %10s %7s  %s\n", "CHANNEL", "WORKER", "HELD", "EXPIRES IN", "LAG", "SOURCE");
  for (const auto& w : wanted) {
    const auto it = leases.find(w.name);
    const auto l = loads.find(w.name);
    std::string worker = it == leases.end() ? "-" : it->second.lease.worker;
    if (it != leases.end() && !it->second.lease.handover_to.empty()) worker += " -> " + it->second.lease.handover_to;
    const std::string held = it == leases.end() ? "-" : std::to_string((now - it->second.lease.since_ms) / 1000) + "s";
    char expires[32] = "-";
    if (it != leases.end())
      std::snprintf(expires, sizeof expires, "%.1fs", std::max(0.0, (it->second.written_ms + lease_s * 1000 - now) / 1000.0));
    char lag[32] = "-";
    if (l != loads.end()) std::snprintf(lag, sizeof lag, "%.1fs", l->second.lag_s);
    std::printf("%-24s %-24s %8s %10s %7s  %s\n", w.name.c_str(), worker.c_str(), held.c_str(), expires, lag,
                w.url.empty() ? "twitch" : w.url.c_str());
  }
}

}  // namespace

int run_cluster_admin(const ClusterAdminOptions& opt) {
  const AppConfig cfg = opt.config.empty() ? default_config() : load_config(opt.config);
  const cluster::ClusterOptions co = cluster_options(cfg, opt.cluster);
  std::vector<cluster::WantedChannel> add;
  if (opt.command == "add") {
    try {
      for (const std::string& a : opt.channels) add.push_back(cluster::parse_wanted_arg(a));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
  if ((opt.command == "add" || opt.command == "remove") && opt.channels.empty())
    throw ConfigError("hyped cluster " + opt.command + " needs at least one CHANNEL");
  cluster::ClusterStore store(co, "hyped-cluster-" + opt.command);
  if (opt.command == "add") {
    for (const auto& w : add) store.put_wanted(w);
    std::printf("%zu channel(s) wanted\n", add.size());
  } else if (opt.command == "remove") {
    int missing = 0;
    for (const std::string& name : opt.channels)
      if (!store.remove_wanted(name)) {
        std::fprintf(stderr, "hyped: '%s' was not wanted\n", name.c_str());
        ++missing;
      }
    std::printf("%zu channel(s) removed\n", opt.channels.size() - missing);
    if (missing > 0) return 1;
  } else {
    print_status(store, opt.json);
  }
  return 0;
}

}  // namespace hyped
