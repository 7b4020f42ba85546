#include "irc/irc_registration.hpp"

#include <algorithm>

namespace hyped {

RegistrationReply classify_registration_reply(const IrcMessage& m) {
  const std::string_view cmd = m.command;
  if (cmd.size() != 3 || (cmd[0] != '4' && cmd[0] != '5')) return RegistrationReply::Other;
  if (cmd == "432" || cmd == "433" || cmd == "436") return RegistrationReply::NickRefused;
  // Replies to the CAP REQs of a server that does not know CAP ("421 * CAP :Unknown command"), and
  // 410 (invalid CAP subcommand): the server goes on without capabilities.
  if ((cmd == "421" || cmd == "451") && m.param(1) == "CAP") return RegistrationReply::Other;
  if (cmd == "410") return RegistrationReply::Other;
  return RegistrationReply::Refused;
}

bool names_refused_password(std::string_view error_text) {
  static constexpr std::string_view kWord = "password";
  for (std::size_t i = 0; i + kWord.size() <= error_text.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < kWord.size() && same; ++k) {
      const char c = error_text[i + k];
      same = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == kWord[k];
    }
    if (same) return true;
  }
  return false;
}

std::optional<int> isupport_nicklen(const IrcMessage& m) {
  if (m.command != "005") return std::nullopt;
  // "005 nick TOKEN[=value] … :are supported by this server": tokens sit between the target and the text.
  const int last = m.has_trailing ? m.param_count - 1 : m.param_count;
  for (int i = 1; i < last; ++i) {
    std::string_view token = m.param(i);
    if (!token.starts_with("NICKLEN=")) continue;
    token.remove_prefix(8);
    const auto n = parse_decimal(token);
    if (n && *n > 0 && *n < 1000) return static_cast<int>(*n);
    return std::nullopt;
  }
  return std::nullopt;
}

std::string anonymous_nick(int max_len, std::uint32_t random) {
  static constexpr std::string_view kPrefix = "justinfan";
  constexpr int kPrefixLen = static_cast<int>(kPrefix.size());
  max_len = std::max(max_len, 5);  // a nick starts with a letter: at least one letter and four digits
  const int digits = max_len > kPrefixLen ? std::min(8, max_len - kPrefixLen) : 4;
  std::uint32_t low = 1;  // 10^(digits-1): exactly `digits` digits, the first not 0
  for (int i = 1; i < digits; ++i) low *= 10;
  const std::uint32_t number = low + random % (9 * low);
  return std::string(kPrefix.substr(0, static_cast<std::size_t>(std::min(kPrefixLen, max_len - digits)))) +
         std::to_string(number);
}

}  // namespace hyped
