#include "gpu/spectral_block.hpp"

#include <cmath>
#include <numbers>

namespace hyped {

double hann(int i, int n) { return 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n); }

void assemble_frame(std::span<const BlockSums> blocks, const DetectorParams& p, HopFeatures& out) {
  BlockSums s;
  for (const BlockSums& b : blocks) {
    s.sumsq += b.sumsq;
    s.flux += b.flux;
    s.high += b.high;
    s.total += b.total;
  }
  const int pairs = static_cast<int>(blocks.size()) * (p.fft_frames_per_hop() - 1);
  out.rms = static_cast<float>(std::sqrt(s.sumsq / p.frame_len()));
  out.flux = pairs > 0 ? static_cast<float>(s.flux / pairs) : 0.0f;
  out.hf_ratio = s.total > 0 ? static_cast<float>(s.high / s.total) : 0.0f;
}

}  // namespace hyped
