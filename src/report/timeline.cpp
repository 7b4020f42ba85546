#include "report/timeline.hpp"

#include <algorithm>
#include <stdexcept>

namespace hyped {
namespace {

SignalValues values_of(const HopFeatures& f, double threshold) {
  return {f.score, f.z_audio, f.z_chat, f.chat_rate, static_cast<float>(threshold)};
}

void merge_into(TimelineBucket& a, const TimelineBucket& b) {
  a.end_s = b.end_s;
  a.frames += b.frames;
  for (std::size_t i = 0; i < kSignals; ++i) {
    a.lo[i] = std::min(a.lo[i], b.lo[i]);
    a.hi[i] = std::max(a.hi[i], b.hi[i]);
  }
  const auto score = static_cast<std::size_t>(Signal::Score);
  if (b.at_peak[score] > a.at_peak[score]) {
    a.peak_s = b.peak_s;
    a.at_peak = b.at_peak;
  }
}

}  // namespace

float value_of(const SignalValues& v, Signal s) { return v[static_cast<std::size_t>(s)]; }

TimelineBucketer::TimelineBucketer(std::size_t min_buckets) : min_buckets_(min_buckets) {
  if (min_buckets_ == 0) throw std::invalid_argument("TimelineBucketer needs at least one bucket");
  buckets_.reserve(2 * min_buckets_);
}

void TimelineBucketer::push(double time_s, const HopFeatures& f, double threshold) {
  ++frames_;
  TimelineBucket one;
  one.start_s = one.end_s = one.peak_s = time_s;
  one.frames = 1;
  one.lo = one.hi = one.at_peak = values_of(f, threshold);
  if (!buckets_.empty() && buckets_.back().frames < width_) {
    merge_into(buckets_.back(), one);
    return;
  }
  if (buckets_.size() == 2 * min_buckets_) halve();
  buckets_.push_back(one);
}

// Every bucket is full when this runs: neighbours pair up into buckets twice as wide.
void TimelineBucketer::halve() {
  for (std::size_t i = 0; i < min_buckets_; ++i) {
    TimelineBucket b = buckets_[2 * i];
    merge_into(b, buckets_[2 * i + 1]);
    buckets_[i] = b;
  }
  buckets_.resize(min_buckets_);
  width_ *= 2;
}

}  // namespace hyped
