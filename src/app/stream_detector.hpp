// One channel's detector run over a stream of samples: hop blocks through the backend, chat into the
// box on the same hop grid, scores into the peak picker. Highlights fire as frames complete (running
// mode); global mode scores at the end. `hyped replay` feeds it a file's chat series; `hyped live`
// runs its channels through a MultiStreamDetector, with the same backends and peak picker.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_blocker.hpp"
#include "core/hop_features.hpp"
#include "core/peak_picker.hpp"
#include "gpu/backend.hpp"

namespace hyped {

struct DetectionResult {
  std::vector<Highlight> highlights;
  std::vector<HopFeatures> series;  // one entry per frame (global mode, or when kept)
  long long frames = 0;
  double duration_s = 0;            // of the samples seen
};

class StreamDetector {
 public:
  // tick_hops: hop blocks handed to the backend at once (results do not depend on it).
  StreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend, ChatRateSeries chat, int tick_hops = 64);

  // Samples in chunks of any size; the results are the same for any chunking.
  void push(std::span<const float> samples);
  // Processes the remaining whole hops (a trailing partial hop is dropped, as the seed's unfold does)
  // and, in global mode, scores the whole series.
  DetectionResult finish();

  // Keep every frame's features in the result (always done in global mode, which needs them).
  void keep_series(bool keep) { keep_series_ = keep; }

  // Called for each highlight as soon as it fires (running mode: during push).
  std::function<void(const Highlight&)> on_highlight;
  // Called for every frame as it is scored (running mode), with its time in seconds.
  std::function<void(double time_s, const HopFeatures&)> on_frame;
  // Called after each backend tick with its duration in milliseconds.
  std::function<void(double latency_ms)> on_tick;

  const Backend& backend() const { return *backend_; }
  double seconds_seen() const { return static_cast<double>(samples_seen_) / p_.sample_rate_hz; }

 private:
  void process(int blocks);
  void emit(Highlight hl);
  void trim_chat_at_end();

  DetectorParams p_;
  std::unique_ptr<Backend> backend_;
  ChatRateSeries chat_;
  int tick_hops_;
  HopBlocker blocker_;
  PeakPicker picker_;
  long long blocks_done_ = 0;
  long long samples_seen_ = 0;
  bool keep_series_ = false;
  std::vector<float> chat_tick_;
  std::vector<HopFeatures> out_tick_;
  DetectionResult result_;
};

}  // namespace hyped
