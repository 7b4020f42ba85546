#include <doctest/doctest.h>

#include "core/iso8601.hpp"

using namespace hyped;

TEST_CASE("ISO 8601 dates with offsets and fractions") {
  CHECK(*parse_iso8601("1970-01-01T00:00:00Z") == 0.0);
  CHECK(*parse_iso8601("1970-01-01T01:00:00+01:00") == 0.0);
  CHECK(*parse_iso8601(" 2026-11-25T07:52:02.25-0030\r") == doctest::Approx(*parse_iso8601("2026-11-25T08:22:02.25Z")));
  CHECK(*parse_iso8601("2000-03-01T00:00:00+02") == doctest::Approx(951868800.0 - 7200));
  CHECK_FALSE(parse_iso8601("2026-13-01T00:00:00Z"));
  CHECK_FALSE(parse_iso8601("2026-11-25T07:52:02.Z"));
  CHECK_FALSE(parse_iso8601("2026-11-25T07:52:02Q"));
  CHECK_FALSE(parse_iso8601("yesterday"));
}

TEST_CASE("formatting rounds to the millisecond and reads back") {
  CHECK(format_iso8601(0.0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_iso8601(1795593122.5) == "2026-11-25T07:52:02.500Z");
  CHECK(format_iso8601(1795593122.9996) == "2026-11-25T07:52:03.000Z");  // the carry reaches the seconds
  const double t = 1795593122.125;
  CHECK(*parse_iso8601(format_iso8601(t)) == doctest::Approx(t));
  const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795593122125));
  CHECK(format_iso8601(tp) == "2026-11-25T07:52:02.125Z");
}
