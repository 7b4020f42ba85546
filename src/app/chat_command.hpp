// `hyped chat`: follow Twitch chat channels, print per-hop chat features and chat-only highlights as
// JSON lines, and optionally record the chat as JSONL that `hyped replay --chat` reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hyped {

struct ChatCommandOptions {
  std::vector<std::string> channels;
  std::string config;              // empty: defaults
  std::optional<std::string> host;  // overrides irc.host
  std::optional<int> port;         // overrides irc.port
  bool plain = false;              // plain TCP instead of TLS
  std::string ca_file;             // extra CA bundle (overrides irc.ca_file)
  std::string record;              // directory for <channel>.jsonl; empty: no recording
  double duration_s = 0;           // stop after this long; 0: until SIGINT/SIGTERM
  bool messages = false;           // print every message too
  bool quiet = false;
};

// Returns the exit code; throws on failures (ConfigError → 2, anything else → 1).
int run_chat(const ChatCommandOptions& opt);

}  // namespace hyped
