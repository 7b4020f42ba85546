#include <doctest/doctest.h>

#include <cstring>
#include <memory>

#include "server/process_memory.hpp"

using namespace hyped;

TEST_CASE("resident memory grows by what the process touches") {
  const long long before = resident_memory_bytes();
  REQUIRE(before > 0);
  constexpr std::size_t kBytes = 64 << 20;
  const auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // touched, so resident
  const long long after = resident_memory_bytes();
  CHECK(after - before >= static_cast<long long>(kBytes) * 3 / 4);
  CHECK(block[kBytes - 1] == 1);
}

TEST_CASE("each followed channel's share of memory, where both are known") {
  CHECK(memory_per_channel(1000, 4) == 250);
  CHECK(memory_per_channel(1000, 0) == -1);   // nothing followed
  CHECK(memory_per_channel(-1, 4) == -1);     // memory unknown
}
