// Send-ahead staging for live ingest: a stream's decoded samples are written straight into a ring of
// hop blocks in page-locked memory by the thread that decodes them, and every block they complete is
// copied on to the device at once, from that thread. A tick then finds its audio on the device already
// and moves only chat, a few bytes per slot and the features. Host-only: no CUDA types.
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace hyped {

// One stream's ring (CudaBackendExtras::open_stage). Written by one thread at a time; read by the
// detector's ticks, which free the blocks they have scored.
class StageRing {
 public:
  virtual ~StageRing() = default;
  // Appends samples; each hop block they complete starts its copy to the device before this returns.
  // Returns how many were taken: fewer than given when the ring is full (the detector is behind), and
  // the rest are the caller's to count as lost.
  virtual std::size_t write(std::span<const float> samples) = 0;
  // Samples written so far.
  virtual long long written() const = 0;
  // Blocks the ring holds: how far its writer may run ahead of the detector.
  virtual int capacity_blocks() const = 0;
};

// A run of samples inside a ring: offset and count in floats from the ring's start.
struct RingRun {
  std::size_t offset = 0;
  std::size_t count = 0;
};

// Samples [from, to) of a stream (positions counted from its first sample) in a ring of `ring_len`
// floats: one run, or two where they wrap past its end (the second then empty or starting at 0).
// Needs 0 <= from <= to and to - from <= ring_len.
inline std::array<RingRun, 2> ring_runs(long long from, long long to, std::size_t ring_len) {
  const auto start = static_cast<std::size_t>(from) % ring_len;
  const auto n = static_cast<std::size_t>(to - from);
  const std::size_t first = n < ring_len - start ? n : ring_len - start;
  return {RingRun{start, first}, RingRun{0, n - first}};
}

}  // namespace hyped
