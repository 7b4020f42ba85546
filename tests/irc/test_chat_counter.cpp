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
  CHECK(chat_weight("LUL clip", 0, false, w) == doctest::Approx(2.5));
  w.emote = 0.5;
  w.event = 3.0;
  CHECK(chat_weight("", 2, true, w) == doctest::Approx(4.0));
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
  CHECK(hops[0].weight == 5.0f);
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
  const char* texts[] = {"Pog", "hi", "Pog Pog", "x"};
  for (int i = 0; i < 400; ++i) {
    // Out of order within ~0.3 s, some late, odd weights: float sums depend on order.
    const double t = 0.013 * i + ((i * 7) % 5) * 0.061 - 0.1;
    c.add(msg(t, std::string("u").append(std::to_string(i % 13)), texts[i % 4], i % 3, i % 17 == 0 ? "sub" : ""));
    if (i % 50 == 49)
      for (auto& h : c.close_until(0.013 * i - 0.2)) {
        live.push_back(h.weight);
        for (auto& e : h.entries) log.entries.push_back(e);
      }
  }
  for (auto& h : c.close_until(10.0)) {
    live.push_back(h.weight);
    for (auto& e : h.entries) log.entries.push_back(e);
  }
  CHECK(c.late() > 0);
  // Through the JSONL writer and reader, as `hyped replay --chat` reads it.
  std::string text;
  for (const auto& e : log.entries) text += to_jsonl(e) + "\n";
  const ChatLog back = parse_chat_log(text, "rec.jsonl");
  const ChatRateSeries series(to_chat_messages(back, w), p);
  for (std::size_t b = 0; b < live.size(); ++b) {
    INFO(b);
    CHECK(series.count(static_cast<long long>(b)) == live[b]);
  }
}
