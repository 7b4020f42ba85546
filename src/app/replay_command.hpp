// `hyped replay`: decode a media file on one thread, detect on another, export the highlights.
#pragma once

#include <optional>
#include <string>

namespace hyped {

struct ReplayOptions {
  std::string media;
  std::string chat;    // empty: audio only
  std::string config;  // empty: defaults
  std::string out;     // empty: stdout
  std::optional<std::string> format;
  std::optional<std::string> z_mode;
  std::optional<std::string> chat_box;  // "centred" | "trailing"; overrides chat.box
  std::string backend = "auto";
  std::string serve;       // ADDR:PORT of the alert server; empty: none
  double realtime = 0;     // > 0: pace the media at this many times real time
  std::string channel;     // channel name for alerts; empty: the media's file name
  std::optional<double> per_hour;  // overrides fusion.target_per_hour
  bool keep_all = false;           // export every highlight fired, not the strongest target_per_hour × hours
  std::string report;              // HTML timeline report written here; empty: none
  bool quiet = false;
};

// Returns the process exit code; throws on failures (ConfigError → 2, anything else → 1).
int run_replay(const ReplayOptions& opt);

}  // namespace hyped
