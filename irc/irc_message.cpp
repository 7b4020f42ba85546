#include "irc/irc_message.hpp"

#include <cstring>

namespace hyped {
namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

void skip_spaces(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  s.remove_prefix(i);
}

// Takes the next space-delimited token.
std::string_view take_token(std::string_view& s) {
  const std::size_t end = s.find(' ');
  const std::string_view tok = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return tok;
}

}  // namespace

const char* to_string(IrcParseError e) {
  switch (e) {
    case IrcParseError::None: return "ok";
    case IrcParseError::Empty: return "empty line";
    case IrcParseError::TooLong: return "line too long";
    case IrcParseError::BadTags: return "malformed tags";
    case IrcParseError::BadPrefix: return "malformed prefix";
    case IrcParseError::NoCommand: return "no command";
    case IrcParseError::BadCommand: return "malformed command";
    case IrcParseError::TooManyParams: return "too many parameters";
    case IrcParseError::NulByte: return "NUL, CR or LF inside the line";
  }
  return "?";
}

std::optional<std::string_view> IrcMessage::tag(std::string_view key) const {
  std::string_view rest = tags;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    const std::string_view item = rest.substr(0, semi);
    rest.remove_prefix(semi == std::string_view::npos ? rest.size() : semi + 1);
    // Compare the key first: it is usually short and differs early.
    if (item.size() >= key.size() && item.compare(0, key.size(), key) == 0) {
      if (item.size() == key.size()) return std::string_view{};
      if (item[key.size()] == '=') return item.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

IrcParseResult parse_irc_line(std::string_view line) {
  IrcParseResult r;
  IrcMessage& m = r.message;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() > kIrcMaxLineBytes) {
    r.error = IrcParseError::TooLong;
    return r;
  }
  // memchr per byte value: far faster than find_first_of's per-character set test on long tagged lines.
  if (std::memchr(line.data(), '\0', line.size()) || std::memchr(line.data(), '\r', line.size()) ||
      std::memchr(line.data(), '\n', line.size())) {
    r.error = IrcParseError::NulByte;
    return r;
  }
  skip_spaces(line);
  if (line.empty()) {
    r.error = IrcParseError::Empty;
    return r;
  }
  if (line.front() == '@') {
    line.remove_prefix(1);
    m.tags = take_token(line);
    if (m.tags.empty() || line.empty()) {
      r.error = IrcParseError::BadTags;
      return r;
    }
    skip_spaces(line);
  }
  if (!line.empty() && line.front() == ':') {
    line.remove_prefix(1);
    m.prefix = take_token(line);
    if (m.prefix.empty()) {
      r.error = IrcParseError::BadPrefix;
      return r;
    }
    skip_spaces(line);
  }
  m.command = take_token(line);
  if (m.command.empty()) {
    r.error = IrcParseError::NoCommand;
    return r;
  }
  bool letters = true, digits = m.command.size() == 3;
  for (char c : m.command) {
    letters = letters && is_alpha(c);
    digits = digits && is_ascii_digit(c);
  }
  if (!letters && !digits) {
    r.error = IrcParseError::BadCommand;
    return r;
  }
  for (;;) {
    skip_spaces(line);
    if (line.empty()) break;
    if (m.param_count == kIrcMaxParams) {
      r.error = IrcParseError::TooManyParams;
      return r;
    }
    if (line.front() == ':') {
      m.params[static_cast<std::size_t>(m.param_count++)] = line.substr(1);
      m.has_trailing = true;
      break;
    }
    m.params[static_cast<std::size_t>(m.param_count++)] = take_token(line);
  }
  return r;
}

void unescape_tag_value(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == raw.size()) break;  // a lone trailing backslash is dropped
    switch (raw[i]) {
      case ':': out.push_back(';'); break;
      case 's': out.push_back(' '); break;
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      default: out.push_back(raw[i]); break;  // "\\" → '\', "\x" → 'x'
    }
  }
}

std::string unescape_tag_value(std::string_view raw) {
  std::string out;
  unescape_tag_value(raw, out);
  return out;
}

std::optional<std::int64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (!is_ascii_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<std::int64_t> parse_server_time_ms(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff…]Z
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z')
    return std::nullopt;
  const auto y = parse_decimal(s.substr(0, 4)), mo = parse_decimal(s.substr(5, 2)), d = parse_decimal(s.substr(8, 2)),
             h = parse_decimal(s.substr(11, 2)), mi = parse_decimal(s.substr(14, 2)), se = parse_decimal(s.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
    return std::nullopt;
  std::int64_t ms = 0;
  std::string_view frac = s.substr(19, s.size() - 20);
  if (!frac.empty()) {
    if (frac.front() != '.' || frac.size() < 2) return std::nullopt;
    frac.remove_prefix(1);
    int scale = 100;
    for (char c : frac) {
      if (!is_ascii_digit(c)) return std::nullopt;
      ms += (c - '0') * scale;
      scale /= 10;
    }
  }
  // Days from civil (H. Hinnant, "chrono-compatible low-level date algorithms").
  const std::int64_t yy = *y - (*mo <= 2 ? 1 : 0);
  const std::int64_t era = yy / 400;
  const std::int64_t yoe = yy - era * 400;
  const std::int64_t mp = (*mo + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + *d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return ((days * 24 + *h) * 60 + *mi) * 60000 + *se * 1000 + ms;
}

}  // namespace hyped
