// Twitch chat for the streams a LiveSession follows, as `hyped live` and a cluster worker both wire it:
// one LiveChat whose messages go into the session at their sent time, joined and parted with the
// followed set. The IRC client starts with the session's first audio hop, so a stream that cannot be
// followed at all ends with its one error line and no chat connection.
#pragma once

#include <string>

#include "app/chat_command.hpp"
#include "app/config.hpp"
#include "app/live_session.hpp"

namespace hyped {

class SessionChat {
 public:
  // Wraps session.on_hop (set it first). Throws ConfigError on bad [irc] settings.
  SessionChat(const AppConfig& cfg, LiveSession& session);
  SessionChat(const SessionChat&) = delete;
  SessionChat& operator=(const SessionChat&) = delete;

  // Call from the session's on_channel: joins `chat` for `stream` as it starts being followed (empty: the
  // stream has no chat), parts the stream's chat as it stops. Throws ConfigError on a bad chat name.
  void on_channel(const std::string& stream, bool followed, const std::string& chat);
  void stop();

 private:
  LiveChat chat_;
};

}  // namespace hyped
