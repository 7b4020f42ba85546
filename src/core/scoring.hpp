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

// Running statistics of one channel's features: the audio level's jumps from its recent mean (long
// half-life), that recent mean (audio_baseline_s), the usual level (long half-life), the chat window's
// count, flux and high-band ratio.
struct FeatureStats {
  explicit FeatureStats(const DetectorParams& p);
  RunningStats audio, audio_recent, audio_level, chat, flux, hf;
};

// Frame RMS as a level in dBFS, −100 for digital silence.
double level_db(double rms);

// How surprising a window's count x is against the running mean count before it, on a z-like scale:
// ±√(2·|x·ln((x + prior)/(mean + prior))|), the information the count carries against the mean. It
// grows with the count as well as the ratio, so 25 people reacting where 5 usually talk says far more
// than 1 where 0.2 usually do, which a z of the rate cannot tell apart.
double chat_surprise(double x, double mean, double prior);

// Scores one hop against the statistics of the hops before it, then adds it to them: a spike is
// measured against its past, not against itself. Audio: the level's jump from its recent mean, in
// units of the usual size of such jumps; silent and far quieter hops score 0 and are not learnt. Chat:
// chat_surprise of the window.
void score_running(HopFeatures& h, FeatureStats& stats, const DetectorParams& p);

// Scores a whole series against its own global mean and unbiased std (the seed's batch formulas).
void score_global(std::span<HopFeatures> series, const DetectorParams& p);

}  // namespace hyped
