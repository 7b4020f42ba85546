// Twitch's IRC dialect on top of the IRCv3 parser: which lines are chat, their time, emotes and events.
// Works on plain IRCv3 servers too (server-time "time" tag instead of "tmi-sent-ts").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "irc/chat_log.hpp"
#include "irc/irc_message.hpp"

namespace hyped {

enum class ChatLineKind { Message, Event, ClearChat, ClearMsg };

struct TwitchChatLine {
  ChatLineKind kind = ChatLineKind::Message;
  std::string_view channel;  // without '#'
  std::string_view user;     // login: the prefix's nick, or the "login" tag of a USERNOTICE
  std::string_view text;     // message text (ACTION markers removed); may be empty for events
  std::string_view notice;   // USERNOTICE "msg-id" (sub, resub, subgift, raid, …); CLEARCHAT: target user
  std::string_view id;       // "id" (Twitch) or "msgid" (IRCv3) tag; CLEARMSG: "target-msg-id"
  std::string_view room_id;  // "room-id"
  int emotes = 0;            // emote occurrences from the "emotes" tag ranges
  std::optional<std::int64_t> sent_ms;  // "tmi-sent-ts", else the server-time "time" tag (Unix ms)
};

// nullopt for lines that are not channel chat (PING, numerics, JOIN, …) or lack a channel.
std::optional<TwitchChatLine> interpret_chat_line(const IrcMessage& m);

// Seconds on a session clock that started at Unix ms `start_ms`: the message's own timestamp when it has
// one, else the local receive time `now_ms`.
double chat_time_s(const TwitchChatLine& c, std::int64_t start_ms, std::int64_t now_ms);

// The entry counted and recorded for a message or an event (events carry their kind in `event`).
ChatLogEntry to_chat_log_entry(const TwitchChatLine& c, double t_s);

// Emote occurrences in an "emotes" tag: "25:0-4,12-16/1902:6-10" → 3. Malformed ranges are not counted.
int count_emotes(std::string_view emotes_tag);

}  // namespace hyped
