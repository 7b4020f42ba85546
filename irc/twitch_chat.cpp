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
    c.notice = "event";  // Twitch names the kind in "msg-id", read below; the user is in "login"
  } else if (c.kind == ChatLineKind::ClearChat) {
    c.notice = m.param_count >= 2 ? m.last_param() : std::string_view{};
  }
  // One pass over the tags (a Twitch line carries ~20): the keys this needs, by length then content.
  std::string_view id, msgid, target_id, time_tag;
  std::optional<std::int64_t> tmi_ts;
  std::string_view tags = m.tags;
  while (!tags.empty()) {
    const std::size_t semi = tags.find(';');
    const std::string_view item = tags.substr(0, semi);
    tags.remove_prefix(semi == std::string_view::npos ? tags.size() : semi + 1);
    const std::size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    switch (key.size()) {
      case 2: if (key == "id") id = value; break;
      case 4: if (key == "time") time_tag = value; break;
      case 5:
        if (key == "msgid") msgid = value;
        else if (key == "login" && c.kind == ChatLineKind::Event) c.user = value;
        break;
      case 6:
        if (key == "emotes") c.emotes = count_emotes(value);
        else if (key == "msg-id" && c.kind == ChatLineKind::Event && !value.empty()) c.notice = value;
        break;
      case 7: if (key == "room-id") c.room_id = value; break;
      case 11: if (key == "tmi-sent-ts") tmi_ts = parse_decimal(value); break;
      case 13: if (key == "target-msg-id") target_id = value; break;
      default: break;
    }
  }
  c.id = c.kind == ChatLineKind::ClearMsg ? target_id : id;
  if (c.id.empty()) c.id = msgid;
  c.sent_ms = tmi_ts ? tmi_ts : (time_tag.empty() ? std::nullopt : parse_server_time_ms(time_tag));
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
