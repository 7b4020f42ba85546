#include <doctest/doctest.h>

#include "irc/join_pacer.hpp"

using namespace hyped;
using namespace std::chrono_literals;

TEST_CASE("the JOIN budget is a sliding window shared by whoever takes from it") {
  JoinPacer pacer(3, 10s);
  const auto t0 = JoinPacer::Clock::time_point{} + 100s;
  // Two connections drawing from one budget: three JOINs in all, whichever asks.
  CHECK(pacer.take(t0));
  CHECK(pacer.take(t0 + 1s));
  CHECK(pacer.take(t0 + 2s));
  CHECK_FALSE(pacer.take(t0 + 3s));
  CHECK(pacer.next_free(t0 + 3s) == t0 + 10s);  // when the first one leaves the window
  CHECK_FALSE(pacer.take(t0 + 9999ms));
  CHECK(pacer.take(t0 + 10s));
  CHECK_FALSE(pacer.take(t0 + 10s));
  CHECK(pacer.next_free(t0 + 10s) == t0 + 11s);
  CHECK(pacer.next_free(t0 + 30s) == t0 + 30s);  // an empty window: at once
}

TEST_CASE("a limit below one still lets JOINs through, one per window") {
  JoinPacer pacer(0, 1s);
  const auto t0 = JoinPacer::Clock::time_point{} + 5s;
  CHECK(pacer.take(t0));
  CHECK_FALSE(pacer.take(t0));
  CHECK(pacer.take(t0 + 1s));
}
