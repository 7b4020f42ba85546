// One channel's detector run over a file's samples and its chat log: what `hyped replay` runs. Its one
// stream goes through a MultiStreamDetector, the frame loop `hyped live` runs, in large ticks; highlights
// fire as frames complete (running mode), or once the whole file is scored (global mode).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "app/multi_stream_detector.hpp"
#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"
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
  // Its stream's callbacks point at it.
  StreamDetector(const StreamDetector&) = delete;
  StreamDetector& operator=(const StreamDetector&) = delete;

  // Samples in chunks of any size; the results are the same for any chunking.
  void push(std::span<const float> samples);
  // Chat that arrives while the samples do (a VOD's comment pages): add it before pushing the samples
  // whose frames read it, i.e. chat up to seconds_seen() + the pushed samples + chat_lookahead_s().
  void add_chat(std::span<const ChatMessage> messages) { detector_.add_chat(0, messages); }
  // Processes the remaining whole hops (a trailing partial hop is dropped, as the seed's unfold does)
  // and, in global mode, scores the whole series.
  DetectionResult finish();

  // Keep every frame's features in the result (always done in global mode, which needs them).
  void keep_series(bool keep) { detector_.keep_series(0, keep); }

  // Called for each highlight as soon as it fires (running mode: during push).
  std::function<void(const Highlight&)> on_highlight;
  // Called for every frame as it is scored (running mode), with its time in seconds.
  std::function<void(double time_s, const HopFeatures&)> on_frame;
  // Called for every frame as the peak picker takes it (global mode: during finish()), with the
  // threshold that frame was held to.
  std::function<void(double time_s, const HopFeatures&, double threshold)> on_picked;
  // Called after each backend tick with its duration in milliseconds.
  std::function<void(double latency_ms)> on_tick;

  const Backend& backend() const { return detector_.backend(); }
  double seconds_seen() const { return static_cast<double>(samples_seen_) / sample_rate_hz_; }

 private:
  MultiStreamDetector::Stream stream(ChatRateSeries chat);

  int sample_rate_hz_;
  long long samples_seen_ = 0;
  std::vector<Highlight> highlights_;
  MultiStreamDetector detector_;
};

}  // namespace hyped
