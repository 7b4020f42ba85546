#include "core/chat_reaction.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace hyped {
namespace {

bool is_space(std::uint32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 || c == 0x2800;  // U+2800: blank braille
}

// Invisible code points chat clients append to get a repeated line past Twitch's duplicate filter
// (combining grapheme joiner, zero-width spaces and joiners, word joiner, BOM, tag characters).
bool is_ignorable(std::uint32_t c) {
  return c == 0x034F || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || (c >= 0xE0000 && c <= 0xE007F);
}

// UTF-8 to code points; a byte that starts no valid sequence is one code point of its own.
std::vector<std::uint32_t> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
    bool ok = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
    std::uint32_t c = len == 1 ? b : len == 2 ? (b & 0x1fu) : len == 3 ? (b & 0x0fu) : (b & 0x07u);
    for (int k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      ok = (cb & 0xc0) == 0x80;
      c = (c << 6) | (cb & 0x3fu);
    }
    out.push_back(ok ? c : b);
    i += ok ? static_cast<std::size_t>(len) : 1;
  }
  return out;
}

// One unit of 1–3 code points, repeated at least three times.
bool repeats_unit(const std::vector<std::uint32_t>& s) {
  for (std::size_t unit = 1; unit <= 3; ++unit) {
    if (s.size() % unit != 0 || s.size() / unit < 3) continue;
    bool same = true;
    for (std::size_t i = unit; same && i < s.size(); ++i) same = s[i] == s[i - unit];
    if (same) return true;
  }
  return false;
}

std::vector<std::vector<std::uint32_t>> split_words(const std::vector<std::uint32_t>& cps) {
  std::vector<std::vector<std::uint32_t>> words(1);
  for (std::uint32_t c : cps) {
    if (is_ignorable(c)) continue;
    if (!is_space(c))
      words.back().push_back(c);
    else if (!words.back().empty())
      words.emplace_back();
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

bool is_reaction(const std::vector<std::vector<std::uint32_t>>& words) {
  if (words.empty()) return false;
  if (words.size() > 1) return std::all_of(words.begin(), words.end(), [&](const auto& w) { return w == words[0]; });
  return words[0].size() <= 3 || repeats_unit(words[0]);
}

}  // namespace

int count_words(std::string_view text) { return static_cast<int>(split_words(code_points(text)).size()); }

bool is_reaction(std::string_view text) { return is_reaction(split_words(code_points(text))); }

ChatReactionWeigher::ChatReactionWeigher(const DetectorParams& p) : p_(p) {}

void ChatReactionWeigher::forget_before(double t_s) {
  while (!users_seen_.empty() && users_seen_.front().first <= t_s - p_.chat_user_window_s) {
    const auto it = last_counted_.find(users_seen_.front().second);
    if (it != last_counted_.end() && it->second == users_seen_.front().first) last_counted_.erase(it);
    users_seen_.pop_front();
  }
  while (!lines_seen_.empty() && lines_seen_.front().first <= t_s - p_.chat_copy_window_s) {
    const auto it = copies_.find(lines_seen_.front().second);
    if (it != copies_.end() && --it->second <= 0) copies_.erase(it);
    lines_seen_.pop_front();
  }
}

float ChatReactionWeigher::weigh(double t_s, std::string_view user, std::string_view text, float extra, int emotes) {
  // Lines must come in time order; one that does not is taken as of the latest seen, so the windows
  // stay sorted and keep forgetting.
  if (!(t_s >= last_t_)) t_s = last_t_;
  last_t_ = t_s;
  forget_before(t_s);
  if (!user.empty() && last_counted_.count(std::string(user))) return 0.0f;
  // Decoded once: the line's words decide whether it is a reaction, its length whether it can be a copy.
  const std::vector<std::uint32_t> cps = code_points(text);
  const auto words = split_words(cps);
  const bool reaction = is_reaction(words) || (emotes > 0 && emotes >= static_cast<int>(words.size()));
  if (!reaction && cps.size() >= static_cast<std::size_t>(p_.chat_copy_min_chars)) {
    std::string line(text);
    lines_seen_.emplace_back(t_s, line);
    if (++copies_[line] > p_.chat_copies_kept) return 0.0f;
  }
  if (!user.empty()) {
    last_counted_[std::string(user)] = t_s;
    users_seen_.emplace_back(t_s, std::string(user));
  }
  return static_cast<float>((reaction ? 1.0 : p_.chat_other_weight) + extra);
}

}  // namespace hyped
