#include "core/running_stats.hpp"

#include <algorithm>
#include <cmath>

namespace hyped {

double ew_alpha(double halflife_samples) { return 1.0 - std::exp2(-1.0 / halflife_samples); }

RunningStats::RunningStats(double halflife_samples) : alpha_(ew_alpha(halflife_samples)) {}

void RunningStats::push(double x) {
  ++n_;
  const double a = std::max(alpha_, 1.0 / static_cast<double>(n_));
  const double d = x - mean_;
  mean_ += a * d;
  var_ = (1.0 - a) * (var_ + a * d * d);
}

double RunningStats::stddev() const { return std::sqrt(var_); }

MeanStd global_mean_std(std::span<const float> x) {
  MeanStd r;
  if (x.empty()) return r;
  double sum = 0;
  for (float v : x) sum += v;
  r.mean = sum / static_cast<double>(x.size());
  if (x.size() < 2) return r;
  double ss = 0;
  for (float v : x) ss += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(ss / static_cast<double>(x.size() - 1));
  return r;
}

}  // namespace hyped
