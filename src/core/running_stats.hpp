// Statistics behind the z-scores: exponentially weighted running mean/variance (live) and the seed's
// whole-series mean and unbiased standard deviation (replay, z_mode = "global").
#pragma once

#include <span>

namespace hyped {

// Exponentially weighted mean and variance with a half-life in samples. The first samples use the
// cumulative weight 1/n instead, so the estimate is unbiased from the start (no zero-initialised drag).
class RunningStats {
 public:
  explicit RunningStats(double halflife_samples);
  void push(double x);
  double mean() const { return mean_; }
  double variance() const { return var_; }
  double stddev() const;
  long long count() const { return n_; }

 private:
  double alpha_;
  double mean_ = 0;
  double var_ = 0;
  long long n_ = 0;
};

// Smoothing factor of an exponential average whose weights halve every `halflife_samples`.
double ew_alpha(double halflife_samples);

struct MeanStd {
  double mean = 0;
  double std = 0;
};

// Mean and unbiased (n − 1) standard deviation, as torch.mean / torch.std compute them. 0 for n < 2.
MeanStd global_mean_std(std::span<const float> x);

}  // namespace hyped
