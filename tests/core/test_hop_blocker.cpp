#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "core/hop_blocker.hpp"

using namespace hyped;

TEST_CASE("hop blocker hands out whole blocks in order and keeps the remainder") {
  HopBlocker b(4);
  std::vector<float> x(10);
  std::iota(x.begin(), x.end(), 0.0f);
  b.append(std::span(x).first(3));
  CHECK(b.whole_blocks() == 0);
  b.append(std::span(x).subspan(3));
  REQUIRE(b.whole_blocks() == 2);
  CHECK(b.front(2)[5] == 5.0f);
  b.drop(1);
  CHECK(b.front(1)[0] == 4.0f);
  CHECK(b.pending_samples() == 6);
}
