#include <doctest/doctest.h>

#include <chrono>

#include "discovery/app_token.hpp"

using namespace hyped;
using namespace std::chrono_literals;

TEST_CASE("an app token is renewed before it expires: a tenth of its life early, at least a minute") {
  const auto t0 = std::chrono::steady_clock::time_point(1000s);
  // Twitch's app tokens last about two months: renewed about six days before the end.
  const long long two_months = 60LL * 24 * 3600;
  CHECK_FALSE(app_token_due(t0, two_months, t0 + std::chrono::seconds(two_months * 8 / 10)));
  CHECK(app_token_due(t0, two_months, t0 + std::chrono::seconds(two_months * 91 / 100)));
  // An hour's token: at 54 minutes.
  CHECK_FALSE(app_token_due(t0, 3600, t0 + 53min));
  CHECK(app_token_due(t0, 3600, t0 + 54min));
  // Ten minutes: a minute early.
  CHECK_FALSE(app_token_due(t0, 600, t0 + 8min));
  CHECK(app_token_due(t0, 600, t0 + 9min));
  // A token that lasts 20 s is renewed halfway; one with no life left, at once.
  CHECK_FALSE(app_token_due(t0, 20, t0 + 9s));
  CHECK(app_token_due(t0, 20, t0 + 10s));
  CHECK(app_token_due(t0, 0, t0));
}
