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
#include <optional>
#include <set>

#include "app/config.hpp"
#include "cluster/cluster_names.hpp"
#include "cluster/cluster_store.hpp"
#include "cluster/highlight_feed.hpp"
#include "core/iso8601.hpp"
#include "irc/twitch_client.hpp"
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
  const cluster::ClusterStore::WantedSet wanted_set = store.wanted_set();
  std::vector<cluster::WantedChannel> wanted;
  for (const auto& [name, e] : wanted_set.channels) wanted.push_back(e.channel);
  const std::optional<cluster::ClusterStore::DiscoveryLeadEntry> lead = store.discovery_lead();
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
    if (lead) {
      const cluster::DiscoveryLead& d = lead->lead;
      j["discovery"] = {{"worker", d.worker},
                        {"request", d.request},
                        {"leader_s", (now - d.since_ms) / 1000.0},
                        {"expires_in_s", std::max(0.0, (lead->written_ms + lease_s * 1000 - now) / 1000.0)},
                        {"listings", d.listings},
                        {"listed", d.listed},
                        {"last_listing_s_ago", d.last_listing_ms > 0 ? nlohmann::json((now - d.last_listing_ms) / 1000.0)
                                                                     : nlohmann::json()}};
      if (!d.last_error.empty()) j["discovery"]["last_error"] = d.last_error;
    } else {
      j["discovery"] = nullptr;
    }
    j["skipped"] = wanted_set.skipped;
    j["channels"] = nlohmann::json::array();
    for (const auto& w : wanted) {
      nlohmann::json c = {{"channel", w.name}, {"source", w.url.empty() ? "twitch" : w.url}, {"discovered", w.discovered}};
      if (const std::string chat = cluster::chat_channel_of(w); !chat.empty()) c["chat"] = chat;
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
  if (lead) {
    const cluster::DiscoveryLead& d = lead->lead;
    std::printf("discovery: %s lists the %s (leader for %.0f s; %lld listings", d.worker.c_str(), d.request.c_str(),
                (now - d.since_ms) / 1000.0, d.listings);
    if (d.last_listing_ms > 0) std::printf(", the last %.1f s ago with %d channels", (now - d.last_listing_ms) / 1000.0, d.listed);
    if (!d.last_error.empty()) std::printf("; last error: %s", d.last_error.c_str());
    std::printf(")\n");
  } else {
    std::printf("discovery: no worker lists (none runs with --top)\n");
  }
  if (!wanted_set.skipped.empty()) {
    std::string names;
    for (const std::string& n : wanted_set.skipped) names += (names.empty() ? "" : ", ") + n;
    std::printf("removed by hand, not added back while listed: %s\n", names.c_str());
  }
  std::printf("\n");
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
    std::string source = w.url.empty() ? "twitch" : w.url;
    if (w.discovered) source += " (listed)";
    if (!w.chat.empty()) source += " chat #" + w.chat;
    std::printf("%-24s %-24s %8s %10s %7s  %s\n", w.name.c_str(), worker.c_str(), held.c_str(), expires, lag,
                source.c_str());
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
  if (!opt.chat_channel.empty()) {
    if (opt.command != "add" || add.size() != 1) throw ConfigError("--chat-channel goes with `hyped cluster add` of one channel");
    try {
      add.front().chat = normalize_channel(opt.chat_channel);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
  cluster::ClusterStore store(co, "hyped-cluster-" + opt.command);
  if (opt.command == "add") {
    // An operator's entry: discovery never takes it out, and may list it again if it was removed by hand.
    const std::set<std::string> skipped = store.wanted_set().skipped;
    for (const auto& w : add) {
      store.put_wanted(w);
      if (skipped.count(w.name) > 0) store.unskip_wanted(w.name);
    }
    std::printf("%zu channel(s) wanted\n", add.size());
  } else if (opt.command == "remove") {
    // With a discovery leader about, the channel is marked first: its next listing must not add it back
    // while it stays in the top (it clears the mark once the channel leaves the listing).
    const cluster::ClusterStore::WantedSet before = store.wanted_set();
    const bool listing = store.discovery_lead().has_value();
    int missing = 0;
    for (const std::string& name : opt.channels) {
      const auto it = before.channels.find(name);
      if (it != before.channels.end() && (listing || it->second.channel.discovered)) store.skip_wanted(name);
      if (!store.remove_wanted(name)) {
        std::fprintf(stderr, "hyped: '%s' was not wanted\n", name.c_str());
        ++missing;
      }
    }
    std::printf("%zu channel(s) removed\n", opt.channels.size() - missing);
    if (missing > 0) return 1;
  } else {
    print_status(store, opt.json);
  }
  return 0;
}

}  // namespace hyped
