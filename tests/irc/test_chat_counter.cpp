#include <doctest/doctest.h>

#include "core/chat_series.hpp"
#include "irc/chat_counter.hpp"
#include "irc/chat_log.hpp"

using namespace hyped;

namespace {
ChatLogEntry msg(double t, std::string user, std::string text = "hi", int emotes = 0, std::string event = "") {
  return ChatLogEntry{t, std::move(user), std::move(text), emotes, std::move(event), std::nullopt};
}
}  // namespace

TEST_CASE("keywords match whole words, case-sensitively, once per message") {
  ChatWeights w;
  w.keywords = {{"LUL", 0.5}, {"W", 0.25}, {"clip", 1.0}};
  CHECK(keyword_hits("LUL LUL LUL", w) == 1);
  CHECK(keyword_hits("LULW", w) == 0);
  CHECK(keyword_hits("lul", w) == 0);
  CHECK(keyword_hits("W W clip!", w) == 2);
  CHECK(keyword_hits("(clip) that", w) == 2 - 1);
  // What a line adds on top of its own weight: keywords and emotes.
  CHECK(chat_extra_weight("LUL clip", 0, w) == doctest::Approx(1.5));
  w.emote = 0.5;
  CHECK(chat_extra_weight("LUL", 2, w) == doctest::Approx(1.5));
  CHECK(chat_extra_weight("nothing here", 0, w) == 0.0f);
}

TEST_CASE("an entry weighs event_weight as an event, else its reaction weight plus the extra") {
  DetectorParams p;  // other lines 0.25
  ChatWeights w;
  w.emote = 0.5;
  w.event = 3.0;
  w.keywords = {{"clip", 1.0}};
  ChatEntryWeigher weigher(p, w);
  CHECK(weigher.weigh(1.0, "a", "", 2, true) == 3.0f);  // an event: event_weight, emotes aside
  CHECK(weigher.weigh(1.0, "a", "a sub happened", 0, true) == 3.0f);  // and not a person's one line
  CHECK(weigher.weigh(1.1, "b", "LUL", 2, false) == doctest::Approx(1.0 + 0.5 * 2));        // reaction
  CHECK(weigher.weigh(1.2, "c", "clip that one", 0, false) == doctest::Approx(0.25 + 1.0));  // other line
  CHECK(weigher.weigh(1.3, "b", "clip", 4, false) == 0.0f);  // b's second line in 10 s: no extra either
  CHECK(weigher.weigh(1.4, "a", "W", 0, false) == 1.0f);     // events do not use up a person's line
}

TEST_CASE("hops on the detector's grid: counts, unique chatters, emotes, events, clears") {
  DetectorParams p;
  ChatWeights w;
  w.emote = 1.0;
  ChatCounter c(p, w);
  // bin i spans [0.25 + 0.5 i, 0.75 + 0.5 i)
  c.add(msg(0.30, "a", "x", 2));
  c.add(msg(0.74, "a"));
  c.add(msg(0.50, "b"));
  c.add(msg(0.75, "c", "", 0, "sub"));
  c.add_clear(0.9);
  CHECK(c.close_until(0.74).empty());
  auto hops = c.close_until(0.75);
  REQUIRE(hops.size() == 1);
  CHECK(hops[0].bin == 0);
  CHECK(hops[0].t_s == 0.5);
  CHECK(hops[0].messages == 3);
  CHECK(hops[0].chatters == 2);
  CHECK(hops[0].emotes == 2);
  // a's "x" (a reaction: 1 + 2 emotes), b's "hi" (1); a's second line within chat.user_window_s: 0
  CHECK(hops[0].weight == 4.0f);
  REQUIRE(hops[0].entries.size() == 3);
  CHECK(hops[0].entries[1].t_s == 0.5);  // time order
  hops = c.close_until(2.0);  // bins 1 and 2 end at 1.25 and 1.75
  REQUIRE(hops.size() == 2);
  CHECK(hops[0].events == 1);
  CHECK(hops[0].messages == 0);
  CHECK(hops[0].cleared == 1);
  CHECK(hops[0].weight == 1.0f);
  CHECK(hops[1].weight == 0.0f);
}

TEST_CASE("late messages count in the oldest open hop, and their time moves there") {
  DetectorParams p;
  ChatCounter c(p, {});
  c.close_until(1.25);  // bins 0 and 1 closed
  CHECK(c.next_bin() == 2);
  ChatLogEntry e = msg(0.4, "a");
  CHECK(c.add(e));
  CHECK(!c.add(msg(1.3, "b")));
  CHECK(c.late() == 1);
  const auto hops = c.close_until(1.75);
  REQUIRE(hops.size() == 1);
  CHECK(hops[0].messages == 2);
  CHECK(hops[0].entries[0].t_s == 1.25);
  CHECK(c.add(msg(-5, "early")));  // before the session: late as well
}

TEST_CASE("a recording of what was counted replays to the same per-hop weights, bit for bit") {
  DetectorParams p;
  ChatWeights w;
  w.emote = 0.3;
  w.event = 1.7;
  w.keywords = {{"Pog", 0.1}};
  ChatCounter c(p, w);
  ChatLog log;
  std::vector<float> live;
  // Reactions, other lines, and a long line pasted by many: every kind of weight, 0 included.
  const char* texts[] = {"Pog", "hi there how are you", "Pog Pog", "x", "this is a copied raid message"};
  for (int i = 0; i < 1200; ++i) {
    // Out of order within ~0.3 s, some late, odd weights: float sums depend on order. 60 s in all, so
    // people count again after chat.user_window_s and copies after chat.copy_window_s.
    const double t = 0.05 * i + ((i * 7) % 5) * 0.061 - 0.1;
    c.add(msg(t, std::string("u").append(std::to_string(i % 37)), texts[i % 5], i % 3, i % 17 == 0 ? "sub" : ""));
    if (i % 50 == 49)
      for (auto& h : c.close_until(0.05 * i - 0.2)) {
        live.push_back(h.weight);
        for (auto& e : h.entries) log.entries.push_back(e);
      }
  }
  for (auto& h : c.close_until(70.0)) {
    live.push_back(h.weight);
    for (auto& e : h.entries) log.entries.push_back(e);
  }
  CHECK(c.late() > 0);
  // Through the JSONL writer and reader, as `hyped replay --chat` reads it.
  std::string text;
  for (const auto& e : log.entries) text += to_jsonl(e) + "\n";
  const ChatLog back = parse_chat_log(text, "rec.jsonl");
  const ChatRateSeries series(to_chat_messages(back, p, w), p);
  int counted = 0, zero = 0;
  for (std::size_t b = 0; b < live.size(); ++b) {
    INFO(b);
    CHECK(series.count(static_cast<long long>(b)) == live[b]);
  }
  for (const ChatMessage& m : to_chat_messages(back, p, w)) (m.weight > 0 ? counted : zero) += 1;
  // 71 events always count; each of 37 people at least once and at most once per 10 s window (7 in
  // 60 s); the rest weigh 0.
  CHECK(counted > 71 + 37);
  CHECK(counted <= 71 + 37 * 7);
  CHECK(zero == 1200 - counted);
}
