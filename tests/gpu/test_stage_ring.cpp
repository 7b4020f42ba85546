// Where a send-ahead ring puts a stream's samples: runs inside the ring, split where they wrap.
#include <doctest/doctest.h>

#include "gpu/stage_ring.hpp"

using namespace hyped;

TEST_CASE("ring_runs: one run inside the ring, two where it wraps, none for nothing") {
  const std::size_t len = 100;
  auto r = ring_runs(10, 40, len);
  CHECK(r[0].offset == 10);
  CHECK(r[0].count == 30);
  CHECK(r[1].count == 0);

  r = ring_runs(90, 130, len);  // wraps: 10 at the end, 30 from the start
  CHECK(r[0].offset == 90);
  CHECK(r[0].count == 10);
  CHECK(r[1].offset == 0);
  CHECK(r[1].count == 30);

  r = ring_runs(250, 350, len);  // a whole lap, starting mid-ring
  CHECK(r[0].offset == 50);
  CHECK(r[0].count == 50);
  CHECK(r[1].count == 50);

  r = ring_runs(200, 300, len);  // a whole lap from the start: one run
  CHECK(r[0].offset == 0);
  CHECK(r[0].count == 100);
  CHECK(r[1].count == 0);

  r = ring_runs(77, 77, len);
  CHECK(r[0].count + r[1].count == 0);
}
