// z-scores and fusion of the per-hop features, in both statistics modes. Backends call these so every
// backend scores the same way; the CUDA kernels mirror them line by line.
#pragma once

#include <span>

#include "core/detector_params.hpp"
#include "core/hop_features.hpp"
#include "core/running_stats.hpp"

namespace hyped {

// seed: z = (e − mean)/(std + 1e−8)
inline double z_score(double x, double mean, double std, double eps) { return (x - mean) / (std + eps); }

// score = Σ w·max(0, z) over audio, chat, flux and high-band ratio.
float fuse_scores(const HopFeatures& h, const DetectorParams& p);

// Running statistics of one channel's four features.
struct FeatureStats {
  explicit FeatureStats(const DetectorParams& p);
  RunningStats audio, chat, flux, hf;
};

// Scores one hop against the statistics of the hops before it, then adds it to them: a spike is
// measured against its past, not against itself.
void score_running(HopFeatures& h, FeatureStats& stats, const DetectorParams& p);

// Scores a whole series against its own global mean and unbiased std (the seed's batch formulas).
void score_global(std::span<HopFeatures> series, const DetectorParams& p);

}  // namespace hyped
