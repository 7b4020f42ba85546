// What the CUDA backend offers beyond the Backend interface, for callers that want the last bit of
// speed (live ingest, benchmarks). Host-only: no CUDA types.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "gpu/backend.hpp"
#include "gpu/stage_ring.hpp"

namespace hyped {

class CudaBackendExtras {
 public:
  virtual ~CudaBackendExtras() = default;
  // Page-locked memory laid out as tick()'s `samples` for `hops` blocks. A tick whose samples are
  // exactly this span skips the copy into staging memory (the DMA reads it directly). The span is
  // valid until a tick with more hops than any before it.
  virtual std::span<float> pinned_samples(int hops) = 0;
  // Starts copying part of the pinned samples of the coming tick to the device now (offset and count
  // in floats, within pinned_samples(hops) of that tick), e.g. as each channel's hop completes while
  // the others are still arriving. The next tick whose samples are the pinned span then copies only
  // what was not sent ahead, so its latency is mostly compute. The sent part must not change after.
  virtual void send_ahead(std::size_t offset, std::size_t count) = 0;
  // A ring for one stream's samples, written by its ingest thread and sent ahead block by block
  // (gpu/stage_ring.hpp); any thread may open one. It is freed when its last holder lets go.
  virtual std::shared_ptr<StageRing> open_stage() = 0;
  // As tick_some(), with slot k's samples the next blocks[k] unscored blocks of rings[k] (each ring
  // opened here, at most once per tick, holding that many whole blocks): no samples travel in the tick.
  // Each ring's blocks are freed for its writer once scored.
  virtual void tick_staged(std::span<StageRing* const> rings, std::span<const float> chat, int hops,
                           std::span<const int> channels, std::span<const int> blocks,
                           std::span<HopFeatures> out) = 0;
  // Device time of the last tick, from events around its copies and kernels.
  virtual double last_tick_gpu_ms() const = 0;
  // CUDA graphs replay a repeated tick size with one launch (on by default).
  virtual void use_graphs(bool on) = 0;
  // Waiting for a tick spins the calling core (default) or sleeps until the device signals. Spinning
  // answers 0.03–0.1 ms sooner on an H100 (one channel: 0.04 vs 0.07 ms) and costs a core only for
  // the tick's few milliseconds per half-second hop.
  virtual void use_spin_wait(bool on) = 0;
};

// The extras of a CUDA backend; nullptr for any other backend (and always in builds without CUDA).
CudaBackendExtras* cuda_extras(Backend& backend);

}  // namespace hyped
