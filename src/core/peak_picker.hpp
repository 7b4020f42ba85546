// Turns the fused score into highlights: fire on the rising edge over the threshold, at most once per
// refractory period, never during warm-up (running mode has not learnt the stream yet).
#pragma once

#include <optional>

#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"

namespace hyped {

class PeakPicker {
 public:
  explicit PeakPicker(const DetectorParams& p);
  // Frames must come in order, one per hop.
  std::optional<Highlight> push(long long frame, const HopFeatures& h);

 private:
  DetectorParams p_;
  bool above_ = false;
  double last_fire_s_ = -1e300;
  int next_id_ = 1;
};

// Names the signals behind a score: each weighted signal whose z reaches reason_z, else the largest.
std::vector<std::string> reasons_for(const HopFeatures& h, const DetectorParams& p);

}  // namespace hyped
