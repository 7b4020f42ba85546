// Many streams through one backend: each stream's samples arrive at their own pace (live segments land
// whenever their playlist says), and each tick hands the backend the whole hop blocks of every stream
// that has some, at once (Backend::tick_some), so a CUDA backend serves all channels with one launch
// and idle ones cost nothing. Running z-scores, trailing chat box, chat fed per frame as it arrives:
// what `hyped live` runs.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_blocker.hpp"
#include "core/hop_features.hpp"
#include "core/peak_picker.hpp"
#include "gpu/backend.hpp"

namespace hyped {

class MultiStreamDetector {
 public:
  // What one stream hands the detector and hears from it (every call on the detecting thread).
  struct Stream {
    // Called once per frame, in order, just before it is scored: the chat weight entering the box
    // (none: no chat).
    std::function<float(long long frame)> chat_for_frame;
    std::function<void(double time_s, const HopFeatures&)> on_frame;
    std::function<void(const Highlight&)> on_highlight;
  };

  // One stream per backend channel. max_tick_hops bounds the blocks a stream hands over in one tick (a
  // stream that fell behind, or joined three segments back, catches up over several): a CUDA backend's
  // buffers grow to channels × max_tick_hops blocks (32 KB each at 16 kHz), and 4 is one 2 s segment.
  MultiStreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend, std::vector<Stream> streams,
                      int max_tick_hops = 4);

  void push(int stream, std::span<const float> samples);
  // Scores every whole hop block pushed so far, in as few ticks as that takes.
  void process();

  // After each backend tick, with its duration in milliseconds.
  std::function<void(double latency_ms)> on_tick;

  const Backend& backend() const { return *backend_; }
  int streams() const { return static_cast<int>(lanes_.size()); }

 private:
  struct Lane {
    Stream io;
    HopBlocker blocker;
    PeakPicker picker;
    long long blocks_done = 0;
  };

  DetectorParams p_;
  std::unique_ptr<Backend> backend_;
  std::vector<Lane> lanes_;
  int max_tick_hops_;
  std::vector<float> samples_, chat_;  // samples_ unused when the backend has pinned memory of its own
  std::vector<int> slots_, blocks_;  // per slot of a tick: its stream, the blocks it takes
  std::vector<HopFeatures> out_;
};

}  // namespace hyped
