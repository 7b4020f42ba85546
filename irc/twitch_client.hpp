// Twitch chat over IRC (TLS by default): anonymous or OAuth login, IRCv3 tags, many channels spread over
// several connections (irc.channels_per_connection each), JOINs paced to the account's limit across them,
// keepalive, and reconnection of each connection on its own with exponential backoff and jitter that
// re-joins its channels. Runs its own io_context on its own thread; handlers are called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "irc/irc_message.hpp"
#include "irc/twitch_chat.hpp"

namespace hyped {

struct IrcClientOptions {
  std::string host = "irc.chat.twitch.tv";
  int port = 6697;
  bool tls = true;
  std::string ca_file;     // extra trusted CA bundle (PEM); the system store otherwise
  std::string nick;        // empty: anonymous "justinfan<digits>" (read-only)
  std::string token;       // OAuth token ("oauth:" added when missing); never logged
  int join_limit = 20;     // channels joined per join window (Twitch: 20 per 10 s, verified bots 2000)
  double join_window_s = 10.0;      // (the limit is the account's: every connection shares it)
  int channels_per_connection = 100;  // channels are spread over connections of at most this many
  double connect_timeout_s = 10.0;  // resolve + connect + TLS + registration
  double ping_interval_s = 60.0;    // after this much silence, PING the server…
  double ping_timeout_s = 10.0;     // …and call the connection dead if nothing arrives within this
  double backoff_min_s = 0.5;       // reconnect delay: min · 2^attempt, capped, times a jitter in [0.5, 1]
  double backoff_max_s = 30.0;
};

struct IrcStatus {
  // Failed: the server refused the login for good (a wrong password, a ban, a configured nick it
  // rejects); the client does not reconnect.
  enum class Kind { Connecting, Registered, Joined, CapsRefused, Disconnected, Failed };
  Kind kind = Kind::Connecting;
  std::string detail;  // channel for Joined, reason for Disconnected and Failed, caps for CapsRefused
};
const char* to_string(IrcStatus::Kind k);

struct IrcClientStats {
  long long lines = 0;      // lines received
  long long malformed = 0;  // lines the parser refused (skipped)
  long long chat = 0;       // chat lines handed to on_chat
  long long connects = 0;   // registrations completed
  long long reconnects = 0; // connection attempts after the first
  int joined = 0;           // channels currently joined
  int connections = 0;      // connections the channels are spread over
};

class TwitchChatClient {
 public:
  TwitchChatClient(IrcClientOptions options, std::vector<std::string> channels);
  ~TwitchChatClient();
  TwitchChatClient(const TwitchChatClient&) = delete;
  TwitchChatClient& operator=(const TwitchChatClient&) = delete;

  // Set before start(). The views in a TwitchChatLine live only during the call.
  std::function<void(const TwitchChatLine&, const IrcMessage&)> on_chat;
  std::function<void(std::string_view line, IrcParseError why)> on_malformed;
  std::function<void(const IrcStatus&)> on_status;

  void start();  // connects in the background; returns at once
  // Any thread, before or after start(): join a channel on the connection with the fewest (a new one
  // when each holds channels_per_connection), paced with the others' JOINs; part one. Joining a channel
  // joined already, or parting one not joined, does nothing. Throws std::invalid_argument on a bad name.
  void join(std::string_view channel);
  void part(std::string_view channel);
  void stop();   // closes the connection and joins the thread (idempotent)
  IrcClientStats stats() const;
  const std::string& nick() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Channel names as IRC wants them: lower case, without '#'. Throws std::invalid_argument on an empty
// or impossible name.
std::string normalize_channel(std::string_view name);

}  // namespace hyped
