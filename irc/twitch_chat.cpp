#include "irc/twitch_chat.hpp"

namespace hyped {
namespace {

bool valid_range(std::string_view r) {
  const std::size_t dash = r.find('-');
  return dash != std::string_view::npos && parse_decimal(r.substr(0, dash)) && parse_decimal(r.substr(dash + 1));
}

std::string_view channel_of(std::string_view target) {
  if (target.size() < 2 || target.front() != '#') return {};
  return target.substr(1);
}

std::optional<std::int64_t> sent_time(const IrcMessage& m) {
  if (const auto ts = m.tag("tmi-sent-ts"))
    if (auto v = parse_decimal(*ts)) return v;
  if (const auto time = m.tag("time")) return parse_server_time_ms(*time);
  return std::nullopt;
}

}  // namespace

int count_emotes(std::string_view tag) {
  int n = 0;
  while (!tag.empty()) {
    const std::size_t slash = tag.find('/');
    std::string_view emote = tag.substr(0, slash);
    tag.remove_prefix(slash == std::string_view::npos ? tag.size() : slash + 1);
    const std::size_t colon = emote.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view ranges = emote.substr(colon + 1);
    while (!ranges.empty()) {
      const std::size_t comma = ranges.find(',');
      if (valid_range(ranges.substr(0, comma))) ++n;
      ranges.remove_prefix(comma == std::string_view::npos ? ranges.size() : comma + 1);
    }
  }
  return n;
}

std::optional<TwitchChatLine> interpret_chat_line(const IrcMessage& m) {
  TwitchChatLine c;
  const std::string_view cmd = m.command;
  if (cmd == "PRIVMSG") c.kind = ChatLineKind::Message;
  else if (cmd == "USERNOTICE") c.kind = ChatLineKind::Event;
  else if (cmd == "CLEARCHAT") c.kind = ChatLineKind::ClearChat;
  else if (cmd == "CLEARMSG") c.kind = ChatLineKind::ClearMsg;
  else return std::nullopt;
  c.channel = channel_of(m.param(0));
  if (c.channel.empty()) return std::nullopt;
  if (c.kind == ChatLineKind::Message && m.param_count < 2) return std::nullopt;
  c.user = m.nick();
  if (c.kind == ChatLineKind::Message || c.kind == ChatLineKind::Event) {
    c.text = m.param_count >= 2 ? m.last_param() : std::string_view{};
    // CTCP ACTION (/me): "\1ACTION text\1"
    if (c.text.size() >= 8 && c.text.starts_with("\x01" "ACTION ")) {
      c.text.remove_prefix(8);
      if (!c.text.empty() && c.text.back() == '\x01') c.text.remove_suffix(1);
    }
  }
  if (c.kind == ChatLineKind::Event) {
    // Twitch sends USERNOTICE from tmi.twitch.tv; the user is in "login".
    if (const auto login = m.tag("login")) c.user = *login;
    c.notice = m.tag("msg-id").value_or("event");
    if (c.notice.empty()) c.notice = "event";
  } else if (c.kind == ChatLineKind::ClearChat) {
    c.notice = m.param_count >= 2 ? m.last_param() : std::string_view{};
  }
  c.id = m.tag(c.kind == ChatLineKind::ClearMsg ? "target-msg-id" : "id").value_or(std::string_view{});
  if (c.id.empty()) c.id = m.tag("msgid").value_or(std::string_view{});
  c.room_id = m.tag("room-id").value_or(std::string_view{});
  if (const auto em = m.tag("emotes")) c.emotes = count_emotes(*em);
  c.sent_ms = sent_time(m);
  return c;
}

double chat_time_s(const TwitchChatLine& c, std::int64_t start_ms, std::int64_t now_ms) {
  return static_cast<double>(c.sent_ms.value_or(now_ms) - start_ms) / 1000.0;
}

ChatLogEntry to_chat_log_entry(const TwitchChatLine& c, double t_s) {
  ChatLogEntry e;
  e.t_s = t_s;
  e.user = std::string(c.user);
  e.text = std::string(c.text);
  e.emotes = c.emotes;
  if (c.kind == ChatLineKind::Event) e.event = std::string(c.notice);
  return e;
}

}  // namespace hyped
