// The detector's frame loop, for every stream replay and live score: each stream's samples arrive at
// their own pace (live segments land whenever their playlist says), and each tick hands the backend the
// whole hop blocks of every stream that has some, at once (Backend::tick_some), so a CUDA backend
// serves all channels with one launch and idle ones cost nothing. `hyped live` runs its channels
// through one, chat fed per frame as it arrives; `hyped replay` runs its one stream (StreamDetector).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_blocker.hpp"
#include "core/hop_features.hpp"
#include "core/peak_picker.hpp"
#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"

namespace hyped {

class MultiStreamDetector {
 public:
  // What one stream hands the detector and hears from it (every call on the detecting thread).
  struct Stream {
    // Called once per frame, in order, just before it is scored: the chat weight entering the box
    // (none: no chat).
    std::function<float(long long frame)> chat_for_frame;
    // Running mode: every frame as it is scored, with its time in seconds.
    std::function<void(double time_s, const HopFeatures&)> on_frame;
    std::function<void(const Highlight&)> on_highlight;
    // Chat known ahead (a replayed log), in place of chat_for_frame: only such a stream can take the
    // modes that need the future, a centred chat box and global z-scores.
    std::optional<ChatRateSeries> chat_log;
    // This stream's fusion.target_per_hour, where it differs from the detector's.
    std::optional<double> target_per_hour;
  };

  // One stream per backend channel (a backend with more channels keeps the rest free for add_stream).
  // max_tick_hops bounds the blocks a stream hands over in one tick (a
  // stream that fell behind, or joined three segments back, catches up over several): a CUDA backend's
  // buffers grow to channels × max_tick_hops blocks (32 KB each at 16 kHz), and 4 is one 2 s segment.
  MultiStreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend, std::vector<Stream> streams,
                      int max_tick_hops = 4);

  // Streams that come and go while the others are scored (live sessions), fed chat per frame (no
  // chat_log): add_stream takes a free backend channel, fresh (the backend grows when none is free),
  // and returns the stream's number; remove_stream scores its last whole hops, sends its last highlight
  // (the peak picker finished), and frees its channel for the next stream.
  int add_stream(Stream s);
  void remove_stream(int stream);

  void push(int stream, std::span<const float> samples);
  // Send-ahead, where the backend offers it (CUDA; elsewhere open_stage() gives nullptr): the stream's
  // samples are written by its ingest thread straight into a ring of page-locked memory, each whole
  // hop block on its way to the device at once, and the detector is told only how many arrived. Any
  // thread may open a ring; use_stage() makes it a stream's source, before its first samples.
  std::shared_ptr<StageRing> open_stage();
  bool sends_ahead() const { return cuda_ != nullptr; }
  void use_stage(int stream, std::shared_ptr<StageRing> ring);
  // `samples` more of the stream's samples are in its ring (written before this call).
  void push_staged(int stream, long long samples);
  // More of a stream's chat_log (a chat fetched while the audio streams): it must arrive before the
  // frames that read it (chat_lookahead_hops past the audio pushed so far).
  void add_chat(int stream, std::span<const ChatMessage> messages);
  // Scores the whole hop blocks of every stream holding at least min_blocks of them, in as few ticks
  // as that takes (replay waits for max_tick_hops: fewer, larger ticks).
  void process(int min_blocks = 1);
  // After the last push: scores what is left (a trailing partial hop is dropped, as the seed's unfold
  // does) and, in global mode, each stream's whole series, picking its peaks; then sends the revisions
  // still waiting for their peak to pass.
  void finish();

  // Keep every frame's features of a stream (always done in global mode, which needs them).
  void keep_series(int stream, bool keep) { lane(stream).keep_series = keep; }
  std::vector<HopFeatures> take_series(int stream) { return std::move(lane(stream).series); }
  long long frames(int stream) const;

  // After each backend tick, with its duration in milliseconds.
  std::function<void(double latency_ms)> on_tick;
  // Every frame of every stream as its peak picker takes it (both modes; global mode: in finish()), with
  // the threshold it was held to: what a timeline report draws.
  std::function<void(int stream, double time_s, const HopFeatures&, double threshold)> on_picked;

  const Backend& backend() const { return *backend_; }
  // Streams being scored now.
  int streams() const;
  int max_tick_hops() const { return max_tick_hops_; }

 private:
  struct Lane {
    int index = 0;  // its stream number and backend channel
    Stream io;
    HopBlocker blocker;
    std::shared_ptr<StageRing> stage;  // set: the samples are in this ring, not the blocker
    long long staged = 0;              // samples the ring holds for the detector, scored or not
    PeakPicker picker;
    long long blocks_done = 0;
    bool keep_series = false;
    std::vector<HopFeatures> series;  // kept frames
  };

  Lane& lane(int stream) { return checked(lanes_.at(static_cast<std::size_t>(stream)).get()); }
  const Lane& lane(int stream) const { return checked(lanes_.at(static_cast<std::size_t>(stream)).get()); }
  static Lane& checked(Lane* l);
  Lane make_lane(int index, Stream s) const;
  void flush(Lane& l);
  float chat_for(Lane& l, long long frame) const;
  void score_frame(Lane& l, long long frame, const HopFeatures& f);
  void pick(Lane& l, long long frame, const HopFeatures& f);
  void trim_chat_at_end(Lane& l) const;
  int whole_blocks(const Lane& l) const;
  // One backend tick for the streams in slots_ (all staged, or none), `hops` blocks at most each.
  void tick(int hops, bool staged);

  DetectorParams p_;
  std::unique_ptr<Backend> backend_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // by backend channel; null: free
  int max_tick_hops_;
  std::vector<float> samples_, chat_;  // samples_: several slots' blocks, where the backend has no pinned memory
  CudaBackendExtras* cuda_ = nullptr;  // the backend's extras, where it has them
  std::vector<int> slots_, blocks_;  // per slot of a tick: its stream, the blocks it takes
  std::vector<int> staged_slots_;    // streams read from their rings, ticked apart
  std::vector<StageRing*> rings_;    // per slot of a staged tick
  std::vector<HopFeatures> out_;
};

}  // namespace hyped
