// `hyped live`: follows Twitch channels or HLS URLs and reports highlights as they happen, through a
// LiveSession (app/live_session.hpp), with chat from Twitch IRC and the alert server attached.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hyped {

struct LiveOptions {
  std::vector<std::string> channels;  // Twitch logins
  std::vector<std::string> urls;      // HLS master or media playlists
  std::string config;                 // empty: defaults
  std::string record_dir;             // empty: no recording
  std::string chat_channel;           // chat to follow for a single stream; empty: each Twitch channel's own
  bool no_chat = false;               // audio only
  std::string serve;                  // ADDR:PORT of the alert server; empty: none
  std::string backend = "auto";       // auto | cpu | cuda
  std::string ca_file;
  std::string gql_url, usher_url, client_id;  // empty: Twitch's own
  std::optional<double> per_hour;  // overrides fusion.target_per_hour for every channel
  bool exit_when_offline = false;  // an offline Twitch channel ends its following (at start: an error)
  double offline_poll_s = 30;      // how often usher is asked whether an offline channel went live
  int ingest_threads = 0;          // 0: the cores less two
  bool quiet = false;
  bool dry_run_actions = false;  // log the [actions] each highlight would take
  std::string cluster;    // nats://HOST:PORT: run as a worker of that cluster (live_cluster.hpp)
  std::string worker_id;  // empty: HOSTNAME-PID
  // Discovery: follow the top `top` live channels (by viewers; of a game, in a language, with at least
  // min_viewers), listed through Helix again every discovery_interval_s ([discovery] interval_s).
  int top = 0;
  std::string game;      // a name or an id
  std::string language;  // ISO 639-1, e.g. "en"
  long long min_viewers = 0;
  std::optional<double> discovery_interval_s;
};

// Returns the process exit code; throws on failures (ConfigError → 2, anything else → 1).
int run_live(const LiveOptions& opt);

}  // namespace hyped
