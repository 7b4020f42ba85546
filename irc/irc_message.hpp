// IRCv3 line parser: tags, prefix, command and params as views into the line. No allocation, never
// throws; a malformed line yields the reason instead of a message.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hyped {

enum class IrcParseError {
  None,
  Empty,          // nothing but whitespace / line ending
  TooLong,        // over kIrcMaxLineBytes
  BadTags,        // '@' without tags, or tags not followed by a space
  BadPrefix,      // ':' without a source, or a source not followed by a command
  NoCommand,
  BadCommand,     // neither letters nor three digits
  TooManyParams,  // more than kIrcMaxParams
  NulByte,        // NUL, CR or LF inside the line
};
const char* to_string(IrcParseError e);

// Tags (8191 bytes) + message (512 bytes) per IRCv3 message-tags; Twitch stays well inside.
inline constexpr std::size_t kIrcMaxLineBytes = 8191 + 512;
inline constexpr int kIrcMaxParams = 15;

struct IrcMessage {
  std::string_view tags;     // raw "k=v;k2" without '@' (values still escaped)
  std::string_view prefix;   // "nick!user@host" without ':'
  std::string_view command;  // "PRIVMSG", "001", …
  std::array<std::string_view, kIrcMaxParams> params{};
  int param_count = 0;
  bool has_trailing = false;  // the last param came after " :"

  std::string_view nick() const { return prefix.substr(0, prefix.find_first_of("!@")); }
  std::string_view param(int i) const { return i >= 0 && i < param_count ? params[static_cast<std::size_t>(i)] : std::string_view{}; }
  std::string_view last_param() const { return param(param_count - 1); }
  // Raw (escaped) value of a tag; nullopt when absent. A tag without '=' has an empty value.
  std::optional<std::string_view> tag(std::string_view key) const;
};

struct IrcParseResult {
  IrcMessage message;
  IrcParseError error = IrcParseError::None;
  bool ok() const { return error == IrcParseError::None; }
};

// One line, with or without its trailing "\r\n".
IrcParseResult parse_irc_line(std::string_view line);

// IRCv3 tag value unescaping: "\:" → ';', "\s" → ' ', "\\" → '\', "\r" → CR, "\n" → LF, "\x" → 'x' for
// any other x, and a lone trailing '\' is dropped. Appends to `out` (cleared first).
void unescape_tag_value(std::string_view raw, std::string& out);
std::string unescape_tag_value(std::string_view raw);

// Parses an unsigned decimal (no sign, no spaces) that fits 63 bits.
std::optional<std::int64_t> parse_decimal(std::string_view s);

// IRCv3 server-time "2026-11-25T08:01:02.345Z" → Unix milliseconds.
std::optional<std::int64_t> parse_server_time_ms(std::string_view s);

}  // namespace hyped
