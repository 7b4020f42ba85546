// How much one chat entry counts in the detector's chat series: the same function for live chat, its
// recording and a replayed log, so a recorded session replays to the same numbers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hyped {

struct ChatWeights {
  double emote = 0.0;  // extra weight per emote in a message (chat.emote_weight)
  double event = 1.0;  // what a USERNOTICE (sub, resub, gift, raid, …) counts instead of 1 (chat.event_weight)
  // Extra weight when a message holds the word (whole word, case-sensitive, once per message).
  std::vector<std::pair<std::string, double>> keywords;
};

// weight = (event ? event_weight : 1) + emote_weight · emotes + Σ weights of the keywords in the text.
float chat_weight(std::string_view text, int emotes, bool is_event, const ChatWeights& w);
// How many of the configured keywords the text holds (each counted once).
int keyword_hits(std::string_view text, const ChatWeights& w);

}  // namespace hyped
