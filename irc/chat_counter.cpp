#include "irc/chat_counter.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace hyped {
namespace {

constexpr long long kMaxOpenBins = 7200;  // an hour ahead: a wildly wrong clock must not eat memory

bool is_punct(char c) { return c == '.' || c == ',' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' || c == '\'' || c == '(' || c == ')'; }

bool holds_word(std::string_view text, std::string_view word) {
  if (word.empty()) return false;
  std::size_t pos = 0;
  while ((pos = text.find(word, pos)) != std::string_view::npos) {
    // A word is delimited by whitespace or the text's ends; punctuation next to it is allowed.
    std::size_t b = pos, e = pos + word.size();
    while (b > 0 && is_punct(text[b - 1])) --b;
    while (e < text.size() && is_punct(text[e])) ++e;
    const bool left = b == 0 || text[b - 1] == ' ' || text[b - 1] == '\t';
    const bool right = e == text.size() || text[e] == ' ' || text[e] == '\t';
    if (left && right) return true;
    ++pos;
  }
  return false;
}

}  // namespace

int keyword_hits(std::string_view text, const ChatWeights& w) {
  int n = 0;
  for (const auto& [word, weight] : w.keywords) n += holds_word(text, word) ? 1 : 0;
  return n;
}

float chat_extra_weight(std::string_view text, int emotes, const ChatWeights& w) {
  double weight = w.emote * emotes;
  for (const auto& [word, kw] : w.keywords)
    if (holds_word(text, word)) weight += kw;
  return static_cast<float>(weight);
}

float ChatEntryWeigher::weigh(double t_s, std::string_view user, std::string_view text, int emotes, bool is_event) {
  if (is_event) return static_cast<float>(w_.event);
  return reactions_.weigh(t_s, user, text, chat_extra_weight(text, emotes, w_), emotes);
}

ChatCounter::ChatCounter(const DetectorParams& p, ChatWeights w)
    : p_(p), w_(w), weigher_(p, std::move(w)), origin_s_(p.frame_time_s(0) - p.hop_s / 2.0) {}

double ChatCounter::bin_start_s(long long bin) const { return origin_s_ + static_cast<double>(bin) * p_.hop_s; }

long long ChatCounter::bin_of(double t_s) const {
  // Same expression as ChatRateSeries, so live and replay put a time into the same bin.
  const double pos = (t_s - origin_s_) / p_.hop_s;
  if (!(pos >= 0)) return -1;
  return static_cast<long long>(std::floor(std::min(pos, 1e12)));
}

bool ChatCounter::add(ChatLogEntry e) {
  e.t_s = std::round(e.t_s * 1000.0) / 1000.0;  // to_jsonl's precision
  long long bin = bin_of(e.t_s);
  const bool late = bin < next_bin_;
  if (late) {
    ++late_;
    bin = next_bin_;
    // The bin's first millisecond that also maps back to it after to_jsonl's rounding.
    e.t_s = std::ceil(bin_start_s(bin) * 1000.0) / 1000.0;
    if (bin_of(e.t_s) < bin) e.t_s += 0.001;
  }
  if (bin - next_bin_ >= kMaxOpenBins) return late;  // from a clock far ahead: dropped
  const auto slot = static_cast<std::size_t>(bin - next_bin_);
  if (open_.size() <= slot) {
    open_.resize(slot + 1);
    open_clears_.resize(slot + 1, 0);
  }
  open_[slot].push_back(std::move(e));
  return late;
}

void ChatCounter::add_clear(double t_s) {
  const long long bin = std::max(bin_of(t_s), next_bin_);
  if (bin - next_bin_ >= kMaxOpenBins) return;
  const auto slot = static_cast<std::size_t>(bin - next_bin_);
  if (open_clears_.size() <= slot) {
    open_.resize(slot + 1);
    open_clears_.resize(slot + 1, 0);
  }
  ++open_clears_[slot];
}

std::vector<ChatHop> ChatCounter::close_until(double t_s) {
  std::vector<ChatHop> hops;
  while (bin_end_s(next_bin_) <= t_s) {
    ChatHop hop;
    hop.bin = next_bin_;
    hop.t_s = p_.frame_time_s(next_bin_);
    if (!open_.empty()) {
      hop.entries = std::move(open_.front());
      hop.cleared = open_clears_.front();
      open_.erase(open_.begin());
      open_clears_.erase(open_clears_.begin());
    }
    // Time order, ties in arrival order: exactly the order a replay's stable sort gives, so the float
    // sum below is bit-identical to ChatRateSeries's.
    std::stable_sort(hop.entries.begin(), hop.entries.end(), [](const auto& a, const auto& b) { return a.t_s < b.t_s; });
    std::unordered_set<std::string_view> users;
    for (const ChatLogEntry& e : hop.entries) {
      const bool event = !e.event.empty();
      hop.weight += weigher_.weigh(e.t_s, e.user, e.text, e.emotes, event);
      (event ? hop.events : hop.messages) += 1;
      hop.emotes += e.emotes;
      hop.keywords += keyword_hits(e.text, w_);
      if (!e.user.empty()) users.insert(e.user);
    }
    hop.chatters = static_cast<int>(users.size());
    hops.push_back(std::move(hop));
    ++next_bin_;
  }
  return hops;
}

}  // namespace hyped
