// How much one chat line says about the moment: viewers react with short bursts ("W", "LUL", "ㅋㅋㅋㅋ",
// "8888", "KEKW KEKW"), one line per person; a spammer repeating himself, a raid pasting one long line
// from 80 accounts, or a conversation in full sentences says far less. Pure: time and text passed in.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/detector_params.hpp"

namespace hyped {

// A reaction: at most three characters ("W", "GG", "+2", "哈哈"), one unit of up to three characters
// repeated ("7777", "ㅋㅋㅋㅋ", "LULLULLUL", "!!!!"), or one word repeated ("KEKW KEKW"). Characters
// are Unicode code points (UTF-8 input; invalid bytes count one each); invisible ones that chat
// clients append to repeat a line are ignored.
bool is_reaction(std::string_view text);
// Whitespace-separated words in the text (invisible repeat markers ignored).
int count_words(std::string_view text);

// Weighs a channel's chat lines, which must come in time order (ties in any order; a line older than
// the latest is taken as of the latest):
//   0                    a user's second line within chat.user_window_s (each person counts once),
//   0                    a copy of a long line (≥ chat.copy_min_chars) beyond the first
//                        chat.copies_kept within chat.copy_window_s (raids, copypasta),
//   1 or chat.other_weight  a reaction or any other line,
// then `extra` (emote and keyword weights) is added to a line that counts. Events (subs, raids
// announced by Twitch) are weighed by the caller.
class ChatReactionWeigher {
 public:
  explicit ChatReactionWeigher(const DetectorParams& p);
  // emotes: how many emotes the line holds, where the source says (Twitch's emotes tag): a line made of
  // emotes alone ("KEKW", "PogChamp PogChamp") is a reaction whatever its length.
  float weigh(double t_s, std::string_view user, std::string_view text, float extra = 0.0f, int emotes = 0);

 private:
  void forget_before(double t_s);

  DetectorParams p_;
  std::unordered_map<std::string, double> last_counted_;                // user → when their line last counted
  std::unordered_map<std::string, int> copies_;                         // long line → copies in the window
  std::deque<std::pair<double, std::string>> users_seen_, lines_seen_;  // in time order, for forgetting
  double last_t_ = -1e300;
};

}  // namespace hyped
