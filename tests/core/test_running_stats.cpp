#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/running_stats.hpp"

using namespace hyped;

TEST_CASE("running stats start as the cumulative mean and population variance") {
  RunningStats s(1e6);  // half-life far beyond the samples: weights stay 1/n
  const std::vector<double> xs = {3, 7, 1, 9, 4};
  double sum = 0;
  for (double x : xs) {
    s.push(x);
    sum += x;
  }
  const double mean = sum / 5;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  CHECK(s.mean() == doctest::Approx(mean).epsilon(1e-12));
  CHECK(s.variance() == doctest::Approx(var / 5).epsilon(1e-6));
  CHECK(s.count() == 5);
}

TEST_CASE("running mean forgets with the configured half-life") {
  const double halflife = 20;
  RunningStats s(halflife);
  for (int i = 0; i < 2000; ++i) s.push(0.0);
  for (int i = 0; i < 20; ++i) s.push(1.0);
  // After one half-life at 1.0 the mean has moved half way from 0 to 1.
  CHECK(s.mean() == doctest::Approx(0.5).epsilon(1e-9));
  CHECK(ew_alpha(halflife) == doctest::Approx(1 - std::pow(0.5, 1 / halflife)));
}

TEST_CASE("running stats track a stationary signal's spread") {
  std::mt19937 rng(1);
  std::normal_distribution<double> nd(5.0, 2.0);
  RunningStats s(500);
  for (int i = 0; i < 20000; ++i) s.push(nd(rng));
  CHECK(s.mean() == doctest::Approx(5.0).epsilon(0.05));
  CHECK(s.stddev() == doctest::Approx(2.0).epsilon(0.1));
}

TEST_CASE("global stats use the unbiased std like torch.std") {
  const std::vector<float> x = {1, 2, 3, 4};
  const MeanStd ms = global_mean_std(x);
  CHECK(ms.mean == doctest::Approx(2.5));
  CHECK(ms.std == doctest::Approx(std::sqrt(5.0 / 3.0)));
  CHECK(global_mean_std(std::vector<float>{4}).std == 0);
  CHECK(global_mean_std(std::vector<float>{}).mean == 0);
}
