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
  bool quiet = false;
};

// Returns the process exit code; throws on failures (ConfigError → 2, anything else → 1).
int run_replay(const ReplayOptions& opt);

}  // namespace hyped
