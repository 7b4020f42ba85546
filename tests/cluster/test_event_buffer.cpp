#include <doctest/doctest.h>

#include <string>

#include "cluster/event_buffer.hpp"

using namespace hyped::cluster;

namespace {

std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

}  // namespace

TEST_CASE("a full publish buffer drops the oldest events, counts them and keeps the newest in order") {
  EventBuffer b(3);
  for (int i = 1; i <= 5; ++i) CHECK(b.push("s", numbered("e", i), numbered("id", i)) == (i > 3));
  CHECK(b.size() == 3);
  CHECK(b.dropped() == 2);
  REQUIRE(b.front());
  CHECK(b.front()->payload == "e3");
  CHECK(b.front()->seq == 3);
  CHECK(b.settled() == 2);  // the dropped ones count as settled: a flush does not wait for them
  CHECK(b.last_queued() == 5);
  for (const char* want : {"e3", "e4", "e5"}) {
    REQUIRE(b.front());
    CHECK(b.front()->payload == want);
    b.acknowledge(b.front()->seq);
  }
  CHECK(b.front() == nullptr);
  CHECK(b.settled() == 5);
  CHECK(b.dropped() == 2);
}

TEST_CASE("within its bound nothing is dropped, whatever the wait") {
  EventBuffer b(100);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(b.push("s", "p", numbered("id", i)));
  CHECK(b.dropped() == 0);
  CHECK(b.size() == 100);
  CHECK(b.settled() == 0);
}

TEST_CASE("an event dropped while it was being sent is not taken off the front when its ack comes") {
  EventBuffer b(2);
  b.push("s", "a", "1");
  const long long sending = b.front()->seq;
  b.push("s", "b", "2");
  b.push("s", "c", "3");  // drops "a", in flight
  b.acknowledge(sending);
  REQUIRE(b.front());
  CHECK(b.front()->payload == "b");
  CHECK(b.size() == 2);
}
