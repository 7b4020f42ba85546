#include "app/stream_detector.hpp"

#include <algorithm>

namespace hyped {

StreamDetector::StreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend, ChatRateSeries chat,
                               int tick_hops)
    : sample_rate_hz_(p.sample_rate_hz), detector_(p, std::move(backend), {stream(std::move(chat))}, tick_hops) {
  detector_.on_tick = [this](double ms) {
    if (on_tick) on_tick(ms);
  };
  detector_.on_picked = [this](int, double t, const HopFeatures& f, double threshold) {
    if (on_picked) on_picked(t, f, threshold);
  };
}

MultiStreamDetector::Stream StreamDetector::stream(ChatRateSeries chat) {
  MultiStreamDetector::Stream s;
  s.chat_log = std::move(chat);
  s.on_frame = [this](double t, const HopFeatures& f) {
    if (on_frame) on_frame(t, f);
  };
  s.on_highlight = [this](const Highlight& hl) {
    if (on_highlight) on_highlight(hl);
    // A revision replaces what was reported for its id: the result holds each highlight as it ended.
    if (hl.revision > 0)
      for (auto it = highlights_.rbegin(); it != highlights_.rend(); ++it)
        if (it->id == hl.id) {
          *it = hl;
          return;
        }
    highlights_.push_back(hl);
  };
  return s;
}

void StreamDetector::push(std::span<const float> samples) {
  samples_seen_ += static_cast<long long>(samples.size());
  detector_.push(0, samples);
  detector_.process(detector_.max_tick_hops());  // whole ticks only: the rest waits for more samples
}

DetectionResult StreamDetector::finish() {
  detector_.finish();
  DetectionResult r;
  r.duration_s = seconds_seen();
  r.frames = detector_.frames(0);
  r.series = detector_.take_series(0);
  r.highlights = std::move(highlights_);
  for (Highlight& hl : r.highlights) hl.end_s = std::min(hl.end_s, r.duration_s);
  return r;
}

}  // namespace hyped
