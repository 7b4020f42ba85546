// The compute backend: turns hop blocks of C channels into scored per-hop features. The CPU backend is
// the reference; the CUDA backend computes the same numbers for all channels in one batch.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "core/detector_params.hpp"
#include "core/hop_features.hpp"

namespace hyped {

enum class BackendKind { Auto, Cpu, Cuda };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" or "cuda"
  virtual std::string device() const = 0;  // human-readable device description
  virtual int channels() const = 0;

  // Channels that come and go (a live session's set changes while it runs):
  // grow() adds channels up to `channels` in all (never fewer), each as fresh as at construction, and
  // keeps the state of those there; reset_channel() puts one channel back to that fresh state (no blocks
  // seen, an empty chat box, new running statistics), so the slot a leaving stream frees serves the next.
  // A channel in no tick_some slot costs no compute.
  virtual void grow(int channels) = 0;
  virtual void reset_channel(int channel) = 0;

  // Values the chat box saw before the stream started, [channels][chat_box_hops − 1], oldest first.
  // Replay uses it to start a centred box with the look-ahead already in it.
  virtual void prime_chat(std::span<const float> history) = 0;

  // Processes `hops` whole hop blocks of every channel.
  //   samples: [channels][hops · hop_len], channel-major.
  //   chat:    [channels][hops], weighted chat count entering the box with each block.
  //   out:     [channels][hops]; entry h is the frame that ends with block h. A stream's first
  //            frame_hops − 1 blocks end no frame: their entries are zero and their chat is ignored.
  // Scores use running statistics (z_mode = "running").
  virtual void tick(std::span<const float> samples, std::span<const float> chat, int hops,
                    std::span<HopFeatures> out) = 0;

  // As tick(), for the streams that have audio now (live streams arrive unevenly): the arrays hold
  // slots, not channels. Slot k is channel channels[k] (each at most once) and takes the first
  // blocks[k] (0 … hops) of its `hops` blocks; its later entries are not read (samples, chat) and are
  // zero (out). Channels in no slot are left as they were, and only the slots travel to a device.
  //   samples: [slots][hops · hop_len], chat and out: [slots][hops].
  virtual void tick_some(std::span<const float> samples, std::span<const float> chat, int hops,
                         std::span<const int> channels, std::span<const int> blocks, std::span<HopFeatures> out) = 0;

  // Re-scores one channel's whole series with global statistics (z_mode = "global", the seed's mode).
  virtual void score_global(std::span<HopFeatures> series) = 0;
};

std::unique_ptr<Backend> make_cpu_backend(const DetectorParams& p, int channels);
// Throws std::runtime_error with the reason when CUDA support is not built in or no device is usable.
std::unique_ptr<Backend> make_cuda_backend(const DetectorParams& p, int channels);
// Auto picks CUDA when a device is usable and logs which backend it chose.
std::unique_ptr<Backend> make_backend(BackendKind kind, const DetectorParams& p, int channels);

// Whether a CUDA device can be used, and if not, why.
struct CudaAvailability {
  bool usable = false;
  std::string reason;  // device name when usable, else what is missing
};
CudaAvailability cuda_availability();

BackendKind parse_backend_kind(const std::string& s);  // throws std::invalid_argument

}  // namespace hyped
