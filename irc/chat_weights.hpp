// How much one chat entry counts in the detector's chat series: the same function for live chat, its
// recording and a replayed log, so a recorded session replays to the same numbers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/chat_reaction.hpp"
#include "core/detector_params.hpp"

namespace hyped {

struct ChatWeights {
  double emote = 0.0;  // extra weight per emote in a message (chat.emote_weight)
  double event = 1.0;  // what a USERNOTICE (sub, resub, gift, raid, …) counts instead of 1 (chat.event_weight)
  // Extra weight when a message holds the word (whole word, case-sensitive, once per message).
  std::vector<std::pair<std::string, double>> keywords;
};

// emote_weight · emotes + Σ weights of the keywords in the text: what a counted line adds to its own.
float chat_extra_weight(std::string_view text, int emotes, const ChatWeights& w);

// One channel's chat lines, in time order, to the detector's weights: a USERNOTICE counts
// event_weight; a message what ChatReactionWeigher gives it (a reaction 1, other lines less, a person
// once per window, a raid's copies nothing) plus its extra weight when it counts.
class ChatEntryWeigher {
 public:
  ChatEntryWeigher(const DetectorParams& p, ChatWeights w) : w_(std::move(w)), reactions_(p) {}
  float weigh(double t_s, std::string_view user, std::string_view text, int emotes, bool is_event);

 private:
  ChatWeights w_;
  ChatReactionWeigher reactions_;
};
// How many of the configured keywords the text holds (each counted once).
int keyword_hits(std::string_view text, const ChatWeights& w);

}  // namespace hyped
