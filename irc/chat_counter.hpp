// Per-hop chat features of one channel, on the detector's hop grid: messages, unique chatters, emotes,
// events, keyword hits and the weighted count the detector consumes. Live chat arrives out of order
// and late; the counter keeps bins open until their end has passed, then closes them in order.
#pragma once

#include <string>
#include <vector>

#include "core/detector_params.hpp"
#include "irc/chat_log.hpp"
#include "irc/chat_weights.hpp"

namespace hyped {

struct ChatHop {
  long long bin = 0;  // = detector frame index
  double t_s = 0;     // the frame's time (bin centre)
  int messages = 0;   // chat messages (PRIVMSG)
  int chatters = 0;   // distinct users among messages and events
  int emotes = 0;
  int events = 0;     // USERNOTICE: subs, resubs, gifts, raids, …
  int keywords = 0;   // keyword hits
  int cleared = 0;    // CLEARCHAT / CLEARMSG moderation actions
  float weight = 0;   // Σ chat_weight: the detector's chat input for this hop
  std::vector<ChatLogEntry> entries;  // what was counted, in time order (for recording)
};

class ChatCounter {
 public:
  ChatCounter(const DetectorParams& p, ChatWeights w);

  // Counts an entry at e.t_s (seconds on the detector's clock). t_s is first rounded to the
  // millisecond, as the JSONL log stores it; an entry for a bin already closed goes into the oldest
  // open bin, and t_s moves there, so a recording of what was counted replays to the same bins.
  // Returns true when the entry came late.
  bool add(ChatLogEntry e);
  void add_clear(double t_s);

  // Closes, in order, every bin that ends at or before t_s.
  std::vector<ChatHop> close_until(double t_s);

  long long next_bin() const { return next_bin_; }  // oldest open bin
  double bin_start_s(long long bin) const;
  double bin_end_s(long long bin) const { return bin_start_s(bin + 1); }
  long long late() const { return late_; }

 private:
  long long bin_of(double t_s) const;

  DetectorParams p_;
  ChatWeights w_;
  ChatEntryWeigher weigher_;
  double origin_s_;
  long long next_bin_ = 0;
  std::vector<std::vector<ChatLogEntry>> open_;  // open_[i]: bin next_bin_ + i
  std::vector<int> open_clears_;
  long long late_ = 0;
};

}  // namespace hyped
