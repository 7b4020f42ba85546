// libFuzzer target: the IRCv3 parser and Twitch dialect on arbitrary bytes. Must never crash, throw or
// return views outside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "irc/irc_message.hpp"
#include "irc/twitch_chat.hpp"

namespace {
void check_inside(std::string_view whole, std::string_view part) {
  if (part.empty()) return;
  if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const hyped::IrcParseResult r = hyped::parse_irc_line(line);
  if (!r.ok()) return 0;
  const hyped::IrcMessage& m = r.message;
  check_inside(line, m.tags);
  check_inside(line, m.prefix);
  check_inside(line, m.command);
  if (m.command.empty() || m.param_count < 0 || m.param_count > hyped::kIrcMaxParams) std::abort();
  for (int i = 0; i < m.param_count; ++i) check_inside(line, m.param(i));
  std::string buf;
  std::string_view tags = m.tags;
  while (!tags.empty()) {  // every tag's value unescapes, and lookup finds each key
    const std::size_t semi = tags.find(';');
    const std::string_view item = tags.substr(0, semi);
    tags.remove_prefix(semi == std::string_view::npos ? tags.size() : semi + 1);
    const std::string_view key = item.substr(0, item.find('='));
    if (!key.empty() && !m.tag(key)) std::abort();
    if (const auto v = m.tag(key)) {
      hyped::unescape_tag_value(*v, buf);
      if (buf.size() > v->size()) std::abort();
    }
  }
  if (const auto c = hyped::interpret_chat_line(m)) {
    check_inside(line, c->channel);
    check_inside(line, c->text);
    if (c->emotes < 0) std::abort();
    (void)hyped::to_chat_log_entry(*c, 0.0);
  }
  if (const auto t = m.tag("time")) (void)hyped::parse_server_time_ms(*t);
  return 0;
}
