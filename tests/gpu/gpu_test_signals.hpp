// Deterministic multi-channel test input: a value depends only on (seed, channel, sample), so any
// tick schedule sees the same stream. Noise bed with a slow drift, loud bursts with a tone in them,
// and chat with a trickle plus spikes after each burst.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/detector_params.hpp"
#include "parity_check.hpp"

namespace hyped::test {

struct SyntheticStreams final : TickInput {
  std::uint64_t seed = 1;
  double burst_every_s = 85.0;  // per channel, offset by channel so bursts never line up
  double burst_s = 3.0;

  float sample(int channel, long long i, int rate_hz) const;
  // Weighted chat count entering the box with hop block `block` (integer counts and emote weights).
  float chat(int channel, long long block, const DetectorParams& p) const;

  // [channels][hops · hop_len] and [channels][hops], starting at hop block `first_block`.
  void fill(int channels, long long first_block, int hops, const DetectorParams& p, std::span<float> samples,
            std::span<float> chat_out) const override;
  // The chat box history for prime_chat: [channels][chat_box_hops − 1].
  std::vector<float> chat_history(int channels, const DetectorParams& p) const override;
};

}  // namespace hyped::test
