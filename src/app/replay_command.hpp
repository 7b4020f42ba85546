// `hyped replay`: decode media on one thread (a file, or a Twitch VOD fetched while it plays), detect on
// another, export the highlights; several inputs in one run each get their exports and a summary line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hyped {

struct ReplayOptions {
  std::vector<std::string> inputs;  // files, directories of them, Twitch VOD links, HLS playlist URLs
  std::string chat;    // empty: audio only (a VOD: its chat from Twitch)
  std::string config;  // empty: defaults
  std::string out;     // empty: stdout
  std::optional<std::string> format;
  std::optional<std::string> z_mode;
  std::optional<std::string> chat_box;  // "centred" | "trailing"; overrides chat.box
  std::string backend = "auto";
  std::string serve;       // ADDR:PORT of the alert server; empty: none
  double realtime = 0;     // > 0: pace the media at this many times real time
  std::string channel;     // channel name for alerts; empty: the media's file name
  bool dry_run_actions = false;  // log the [actions] each highlight would take
  std::optional<double> per_hour;  // overrides fusion.target_per_hour
  bool keep_all = false;           // export every highlight fired, not the strongest target_per_hour × hours
  std::string report;              // HTML timeline report written here; empty: none
  bool quiet = false;
  // Twitch VODs.
  bool no_chat = false;    // do not fetch a VOD's chat
  std::string save_chat;   // keep the fetched chat here (hyped JSONL)
  std::string save_audio;  // keep the decoded audio here (float WAV)
  std::string gql_url, usher_url, client_id, chat_client_id, ca_file;  // empty: Twitch's
  int parallel_fetches = 0;  // 0: the default
};

// Returns the process exit code; throws on failures (ConfigError → 2, anything else → 1).
int run_replay(const ReplayOptions& opt);

}  // namespace hyped
