// Per-block partial sums from which frame features are assembled; shared by the CPU and CUDA backends.
#pragma once

#include <span>

#include "core/detector_params.hpp"
#include "core/hop_features.hpp"

namespace hyped {

struct BlockSums {
  double sumsq = 0;     // Σ x² over the block
  double flux = 0;      // Σ over FFT frame pairs of Σ_k max(0, |X_t(k)| − |X_{t−1}(k)|)
  double high = 0;      // Σ |X(k)|² for k ≥ high band bin
  double total = 0;     // Σ |X(k)|²
};

// Frame features from the frame_hops blocks that make up a frame (oldest first).
// rms = sqrt(Σ sumsq / frame_len); flux = Σ flux / frame pairs; hf_ratio = Σ high / Σ total.
void assemble_frame(std::span<const BlockSums> blocks, const DetectorParams& p, HopFeatures& out);

// Periodic Hann window of length n, value at index i.
double hann(int i, int n);

}  // namespace hyped
