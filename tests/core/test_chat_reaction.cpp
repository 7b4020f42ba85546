#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/chat_reaction.hpp"

using namespace hyped;

namespace {
// "viewer" + std::to_string(i), built without the operator+ that trips GCC 12's -Wrestrict.
std::string user(const char* prefix, int i) {
  std::string name(prefix);
  name += std::to_string(i);
  return name;
}
}  // namespace

TEST_CASE("short bursts, repeated units and repeated words are reactions") {
  for (const char* text : {"W", "GG", "+2", "哈哈", "7777777", "ㅋㅋㅋㅋ", "LULLULLUL", "KEKW KEKW KEKW", "!!!!", "Pog"}) {
    INFO(text);
    CHECK(is_reaction(text));
  }
  CHECK(is_reaction("  W  "));           // surrounding space is not a character of the line
  CHECK(is_reaction("KEKW  KEKW\tKEKW"));  // any run of spaces between the words
}

TEST_CASE("sentences, mixed words and empty lines are not reactions") {
  for (const char* text : {"what a play that was", "hello there", "", "   ", "KEKW LUL", "abcd", "LULLULLUX", "7777778"}) {
    INFO('"' << text << '"');
    CHECK_FALSE(is_reaction(text));
  }
}

TEST_CASE("a multi-byte code point counts as one character") {
  CHECK(is_reaction("ありが"));        // three code points, nine bytes
  CHECK_FALSE(is_reaction("ありがと"));  // four distinct code points
  CHECK(is_reaction("😂😂😂😂😂"));     // one four-byte unit, repeated
  CHECK(is_reaction("哈哈哈哈哈哈"));   // eighteen bytes, one unit
  CHECK(is_reaction("ㅋㅋ"));
  CHECK(is_reaction("é"));  // two bytes, one character
  // Invalid UTF-8 counts byte by byte: four stray bytes are four characters.
  CHECK_FALSE(is_reaction(std::string("\xff\xfe\xfd\xfc")));
  CHECK(is_reaction(std::string("\xff\xff\xff\xff")));  // one byte, repeated
}

TEST_CASE("a person's second line within the user window counts 0, and counts again after it") {
  DetectorParams p;  // user window 10 s
  ChatReactionWeigher w(p);
  CHECK(w.weigh(100.0, "ann", "W") == 1.0f);
  CHECK(w.weigh(101.0, "ann", "LUL") == 0.0f);
  CHECK(w.weigh(105.0, "bob", "W") == 1.0f);  // others are not held back
  CHECK(w.weigh(109.9, "ann", "what a play that was") == 0.0f);
  CHECK(w.weigh(110.5, "ann", "GG") == 1.0f);  // 10.5 s after the line that counted
  CHECK(w.weigh(111.0, "bob", "W") == 0.0f);   // bob's window runs from 105 s
  CHECK(w.weigh(115.0, "bob", "W") == 1.0f);
  // Lines without a name cannot be told apart: each counts.
  CHECK(w.weigh(116.0, "", "W") == 1.0f);
  CHECK(w.weigh(116.1, "", "W") == 1.0f);
}

TEST_CASE("an 80-account raid pasting one long line within 5 s weighs at most copies_kept times other_weight") {
  DetectorParams p;  // long lines from 12 characters; 3 copies kept within 30 s; other lines 0.25
  ChatReactionWeigher w(p);
  const std::string raid = "RAID HYPE the best community on twitch has arrived";
  double total = 0;
  int counted = 0;
  for (int i = 0; i < 80; ++i) {
    const float weight = w.weigh(200.0 + i * 5.0 / 80, user("raider", i), raid);
    total += weight;
    counted += weight > 0 ? 1 : 0;
  }
  CHECK(counted == p.chat_copies_kept);
  CHECK(total == doctest::Approx(p.chat_copies_kept * p.chat_other_weight));
  CHECK(total <= p.chat_copies_kept * p.chat_other_weight + 1e-6);
  // Once the copies have left the 30 s window, the line counts again.
  CHECK(w.weigh(240.0, "late", raid) == static_cast<float>(p.chat_other_weight));
  // A short line is never a copy: 80 people typing "gg wp" each count.
  ChatReactionWeigher short_lines(p);
  double gg = 0;
  for (int i = 0; i < 80; ++i) gg += short_lines.weigh(300.0 + i * 0.05, user("u", i), "gg wp");
  CHECK(gg == doctest::Approx(80 * p.chat_other_weight));
}

TEST_CASE("80 people typing short reactions weigh 80") {
  DetectorParams p;
  ChatReactionWeigher w(p);
  const std::vector<std::string> texts = {"W", "LUL", "KEKW KEKW", "ㅋㅋㅋㅋ", "8888", "GG", "Pog", "+2"};
  double total = 0;
  for (int i = 0; i < 80; ++i)
    total += w.weigh(50.0 + i * 5.0 / 80, user("viewer", i), texts[static_cast<std::size_t>(i) % texts.size()]);
  CHECK(total == 80.0);
}

TEST_CASE("extra weight is added only to lines that count") {
  DetectorParams p;
  ChatReactionWeigher w(p);
  CHECK(w.weigh(10.0, "ann", "W", 0.5f) == 1.5f);                               // reaction + extra
  CHECK(w.weigh(10.5, "bob", "nice one", 0.5f) == doctest::Approx(0.25 + 0.5));  // other line + extra
  CHECK(w.weigh(11.0, "ann", "W", 0.5f) == 0.0f);                               // ann again: nothing at all
  const std::string copy = "this line is pasted by everyone";
  for (int i = 0; i < p.chat_copies_kept; ++i) CHECK(w.weigh(12.0, user("c", i), copy, 2.0f) > 0.0f);
  CHECK(w.weigh(12.5, "d", copy, 2.0f) == 0.0f);  // a copy beyond those kept: no extra either
}

TEST_CASE("a line made of emotes alone is a reaction whatever their names' length") {
  DetectorParams p;
  ChatReactionWeigher w(p);
  CHECK(w.weigh(1.0, "a", "KEKW") == static_cast<float>(p.chat_other_weight));  // no emote information
  CHECK(w.weigh(2.0, "b", "KEKW", 0.0f, 1) == 1.0f);
  CHECK(w.weigh(3.0, "c", "PogChamp OMEGALUL", 0.0f, 2) == 1.0f);
  CHECK(w.weigh(4.0, "d", "that was PogChamp", 0.0f, 1) == static_cast<float>(p.chat_other_weight));  // words too
  CHECK(count_words("  a \xE2\x80\x8B b  ") == 2);  // a zero-width space between words is no word
}
