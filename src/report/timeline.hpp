// A broadcast's per-hop detector output reduced, as it streams, to a bounded number of time buckets.
// Each bucket keeps every signal's minimum and maximum, so a 10 h stream drawn 1500 pixels wide still
// shows every peak, and the frame where the score peaked, so a readout shows values that belong together.
// Memory stays constant however long the broadcast.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "core/hop_features.hpp"

namespace hyped {

enum class Signal { Score, ZAudio, ZChat, ChatRate, Threshold };
inline constexpr std::size_t kSignals = 5;

using SignalValues = std::array<float, kSignals>;  // indexed by Signal

struct TimelineBucket {
  double start_s = 0;  // time of its first frame
  double end_s = 0;    // time of its last frame
  int frames = 0;
  SignalValues lo{}, hi{};
  double peak_s = 0;       // the frame with the highest score (the first of equals)
  SignalValues at_peak{};  // every signal at that frame
};

class TimelineBucketer {
 public:
  // Holds between min_buckets and 2·min_buckets buckets once there are that many frames; until then
  // one frame per bucket.
  explicit TimelineBucketer(std::size_t min_buckets = 1024);

  // Frames in time order, one per hop.
  void push(double time_s, const HopFeatures& f, double threshold);

  // Every bucket in time order, the last possibly holding fewer frames than the others.
  const std::vector<TimelineBucket>& buckets() const { return buckets_; }
  int frames_per_bucket() const { return width_; }
  long long frames() const { return frames_; }

 private:
  void halve();

  std::size_t min_buckets_;
  int width_ = 1;
  long long frames_ = 0;
  std::vector<TimelineBucket> buckets_;
};

float value_of(const SignalValues& v, Signal s);

}  // namespace hyped
