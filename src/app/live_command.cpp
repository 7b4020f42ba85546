#include "app/live_command.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

#include "app/config.hpp"
#include "app/highlight_actions.hpp"
#include "app/live_cluster.hpp"
#include "app/live_session.hpp"
#include "app/session_chat.hpp"
#include "discovery/channel_discovery.hpp"
#include "live/twitch_resolver.hpp"
#include "live/url.hpp"
#include "server/alert_server.hpp"
#include "server/messages.hpp"

namespace hyped {

namespace {

// Feeds the alert server from the detector thread: highlights, scores, and per-channel status.
void attach_server(LiveSession& session, AlertServer& server) {
  session.on_backend = [&server](const std::string& name) { server.set_backend(name); };
  session.on_tick = [&server](double ms) { server.observe_tick(ms); };
  session.on_hop = [&server, &session, start = std::chrono::steady_clock::now(),
                    last = std::map<std::string, double>(), reported_drops = 0LL](const std::string& ch, double t,
                                                                                  const HopFeatures& f) mutable {
    server.publish_score(ch, t, f);
    double& seen = last.try_emplace(ch, -1.0).first->second;
    if (t - seen >= 1.0) {  // status once a stream second
      seen = t;
      const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // How far detection trails the wall clock since following began (start-up latency included).
      server.set_channel_status({ch, t, std::max(0.0, wall_s - t)});
      server.count_ingest_drops(session.dropped_chunks() - std::exchange(reported_drops, session.dropped_chunks()));
    }
  };
}

// --top: the [discovery] settings with the flags over them, checked.
DiscoveryOptions discovery_options(const AppConfig& cfg, const LiveOptions& opt) {
  DiscoveryOptions d = cfg.discovery;
  if (const char* secret = std::getenv("HYPED_TWITCH_CLIENT_SECRET"); secret && *secret) d.client_secret = secret;
  if (opt.discovery_interval_s) {
    if (!(*opt.discovery_interval_s >= 1 && *opt.discovery_interval_s <= 86400))
      throw ConfigError("--discovery-interval must be a number of seconds in [1, 86400]");
    d.interval_s = *opt.discovery_interval_s;
  }
  if (!opt.ca_file.empty()) d.ca_file = opt.ca_file;
  if (opt.top > 1000) throw ConfigError("--top: at most 1000 channels");
  if (opt.min_viewers < 0) throw ConfigError("--min-viewers must not be negative");
  if (d.client_id.empty()) throw ConfigError("--top needs the app's client id: [discovery] client_id in the config");
  if (d.client_secret.empty()) throw ConfigError("--top needs the app's client secret in $HYPED_TWITCH_CLIENT_SECRET");
  if (!opt.chat_channel.empty()) throw ConfigError("--chat-channel goes with one named stream, not --top");
  if (opt.exit_when_offline) throw ConfigError("--exit-when-offline goes with named channels: --top follows who is live");
  return d;
}

}  // namespace

int run_live(const LiveOptions& opt) {
  AppConfig cfg = opt.config.empty() ? default_config() : load_config(opt.config);
  const bool top = opt.top > 0;
  if (opt.cluster.empty() && opt.channels.empty() && opt.urls.empty() && !top)
    throw ConfigError("give a Twitch CHANNEL, --url M3U8 or --top N (or --cluster nats://HOST:PORT)");
  std::optional<DiscoveryOptions> discovery_opt;
  if (top) discovery_opt = discovery_options(cfg, opt);
  TopRequest top_req;
  top_req.count = opt.top;
  top_req.game = opt.game;
  top_req.language = opt.language;
  top_req.min_viewers = opt.min_viewers;
  LiveSessionOptions so;
  so.detector = cfg.detector;
  if (opt.per_hour) so.detector.target_per_hour = *opt.per_hour;
  // [channel.NAME]: a Twitch login in any case, or a --url as given; one that names nothing followed is
  // most likely a typo.
  for (const auto& [name, n] : cfg.channel_target_per_hour) {
    const bool url = std::find(opt.urls.begin(), opt.urls.end(), name) != opt.urls.end();
    std::string key = name;
    if (!url) {
      try {
        key = normalize_twitch_login(name);
      } catch (const std::invalid_argument&) {
      }
    }
    const bool followed = url || std::any_of(opt.channels.begin(), opt.channels.end(), [&](const std::string& c) {
      try {
        return normalize_twitch_login(c) == key;
      } catch (const std::invalid_argument&) {
        return false;
      }
    });
    if (!followed && !top && opt.cluster.empty()) spdlog::warn("config: [channel.{}] names no channel being followed", name);
    so.target_per_hour[key] = n;
  }
  so.record_dir = opt.record_dir;
  so.ca_file = opt.ca_file;
  so.gql_url = opt.gql_url;
  so.usher_url = opt.usher_url;
  so.client_id = opt.client_id;
  so.exit_when_offline = opt.exit_when_offline;
  so.offline_poll_s = opt.offline_poll_s;
  so.ingest_threads = opt.ingest_threads;
  so.wait_for_channels = top;  // discovery adds and removes them
  try {
    so.backend = parse_backend_kind(opt.backend);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  for (const std::string* u : {&so.gql_url, &so.usher_url})
    if (!u->empty() && !parse_url(*u)) throw ConfigError("not an http(s) URL: '" + *u + "'");
  if (!opt.cluster.empty()) {
    std::optional<ClusterTop> cluster_top;
    if (discovery_opt) cluster_top = ClusterTop{*discovery_opt, top_req};
    return run_live_cluster(opt, cfg, so, cluster_top);
  }
  LiveSession session(so);
  try {
    for (const std::string& c : opt.channels) session.add_twitch_channel(c);
    for (const std::string& u : opt.urls) session.add_url(u, u);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());
  }
  std::unique_ptr<AlertServer> server;
  if (!opt.serve.empty()) {
    parse_listen_address(opt.serve, cfg.server);
    server = std::make_unique<AlertServer>(cfg.server);
    server->start();
    attach_server(session, *server);
  }
  if (opt.dry_run_actions) cfg.actions.dry_run = true;
  HighlightActions actions(cfg.actions, server.get(), /*print=*/true);
  // One JSON object per line on stdout, the same message websocket clients get; action results follow
  // as their own lines when they are done.
  session.on_highlight = [&server, &actions](const LiveHighlight& h) {
    print_line(highlight_message(h.channel, h.highlight, h.wall_time));
    if (server) server->publish_highlight(h.channel, h.highlight, h.wall_time);
    actions.submit(h.channel, h.highlight);
  };
  // From an ingest thread: print_line keeps it whole beside the detector thread's lines.
  session.on_broadcast = [](const std::string& channel, bool live, std::chrono::system_clock::time_point when) {
    print_line(broadcast_message(channel, live, when));
  };
  // Chat (Twitch IRC): each Twitch channel's own chat, or --chat-channel for the one stream followed;
  // joined and parted with the followed set.
  if (!opt.chat_channel.empty() && opt.channels.size() + opt.urls.size() != 1)
    throw ConfigError("--chat-channel goes with exactly one stream");
  const std::set<std::string> url_streams(opt.urls.begin(), opt.urls.end());
  std::unique_ptr<SessionChat> chat;
  if (!opt.no_chat && (top || !opt.channels.empty() || !opt.chat_channel.empty()))
    chat = std::make_unique<SessionChat>(cfg, session);
  std::unique_ptr<ChannelDiscovery> discovery;
  session.on_channel = [&](const std::string& name, bool followed) {
    if (server) server->set_followed(name, followed);
    if (chat)
      chat->on_channel(name, followed,
                       !opt.chat_channel.empty() ? opt.chat_channel : (url_streams.count(name) ? "" : name));
    // A channel whose following ended on its own may be listed, and followed, again.
    if (!followed && discovery) discovery->forget(name);
  };
  std::mutex fatal_mutex;
  std::string fatal;
  if (top) {
    discovery = std::make_unique<ChannelDiscovery>(*discovery_opt, top_req);
    discovery->on_join = [&session](const std::string& login) {
      try {
        session.add_twitch_channel(login);
      } catch (const std::invalid_argument& e) {
        spdlog::warn("discovery: not following '{}': {}", login, e.what());
      }
    };
    discovery->on_leave = [&session](const std::string& login) { session.remove_channel(login); };
    discovery->on_status = [&server](const DiscoveryStatus& st) {
      if (server) server->set_discovery(st);
    };
    discovery->on_fatal = [&session, &fatal_mutex, &fatal](const std::string& error) {
      {
        std::lock_guard lock(fatal_mutex);
        fatal = error;
      }
      session.stop();
    };
    discovery->list_now();  // refused credentials or an unknown game: one line, exit 1, before anything runs
    discovery->start();
  }
  const auto started = std::chrono::steady_clock::now();
  const std::vector<LiveChannelReport> reports = session.run();
  if (discovery) discovery->stop();
  if (chat) chat->stop();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string first_error;
  for (const LiveChannelReport& r : reports) {
    spdlog::info("[{}] {:.0f} s of audio in {} segments, {} highlights; {} gaps ({:.1f} s), {} ad segments ({:.1f} s), "
                 "{} retries, {} stalls; {} requests over {} connections",
                 r.channel, r.audio_s, r.segments, r.highlights, r.gaps, r.gap_s, r.ad_segments, r.ad_s, r.retries,
                 r.stalls, r.requests, r.connections);
    if (!r.error.empty() && first_error.empty() && !top)  // discovery's channels come and go
      first_error = reports.size() > 1 ? "[" + r.channel + "] " + r.error : r.error;
  }
  if (session.dropped_chunks() > 0)
    spdlog::warn("{} audio chunks dropped: the detector fell behind", session.dropped_chunks());
  spdlog::info("followed {} stream(s) for {:.0f} s", reports.size(), wall_s);
  actions.finish();
  if (server) server->finish("stream ended");
  {
    std::lock_guard lock(fatal_mutex);
    if (!fatal.empty()) throw std::runtime_error(fatal);
  }
  if (!first_error.empty()) throw std::runtime_error(first_error);
  return 0;
}

}  // namespace hyped
