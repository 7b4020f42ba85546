// `hyped chat`: follow Twitch chat channels, print per-hop chat features and chat-only highlights as
// JSON lines, and optionally record the chat as JSONL that `hyped replay --chat` reads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "irc/twitch_client.hpp"

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

// Chat for `hyped live`: a client following chat channels, each for a stream, that hands every message
// and event to `add` (on the client's thread) with its wall-clock time (tmi-sent-ts, else arrival) and its
// weight (chat_weight: 1 or event_weight, + emotes + keywords). Streams come and go with the session's
// followed set: follow() and unfollow() from any thread, before or after start(). Start it once audio
// flows; stop() or drop it when the session ends.
using LiveChatSink = std::function<void(const std::string& stream, std::chrono::system_clock::time_point when, float weight)>;
class LiveChat {
 public:
  // Throws ConfigError on bad irc settings.
  LiveChat(const AppConfig& cfg, LiveChatSink add);
  ~LiveChat();
  // Joins `chat` for `stream` (throws ConfigError on a bad channel name); parts the stream's chat.
  void follow(const std::string& chat, const std::string& stream);
  void unfollow(const std::string& stream);
  void start();
  void stop();
  IrcClientStats stats() const;

 private:
  struct Routes;
  std::shared_ptr<Routes> routes_;
  std::unique_ptr<TwitchChatClient> client_;
};

}  // namespace hyped
