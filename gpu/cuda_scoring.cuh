// Device mirrors of core/scoring.cpp and core/running_stats.cpp, line for line, in double, so the
// CUDA backend's z-scores and fused scores match the CPU reference.
#pragma once

#include "core/hop_features.hpp"
#include "gpu/cuda_kernels.cuh"

namespace hyped::cuda {

struct FeatureStatsDev {
  RunningStatsDev audio, audio_recent, audio_level, chat, flux, hf;
};

// RunningStats::push: cumulative weight 1/n until it falls below the exponential weight alpha.
__device__ inline void running_push(RunningStatsDev& s, double x, double alpha) {
  ++s.n;
  const double a = fmax(alpha, 1.0 / static_cast<double>(s.n));
  const double d = x - s.mean;
  s.mean += a * d;
  s.var = (1.0 - a) * (s.var + a * d * d);
}

// scoring.cpp running_z: z against the statistics before this value (seed: (x − mean)/(std + 1e−8)).
__device__ inline float running_z(double x, RunningStatsDev& s, double floor, double eps, double alpha) {
  const double z = s.n == 0 ? 0.0 : (x - s.mean) / (fmax(sqrt(s.var), floor) + eps);
  running_push(s, x, alpha);
  return static_cast<float>(z);
}

// scoring.cpp fuse_scores: Σ w·max(0, z).
__device__ inline float fuse_scores_dev(const HopFeatures& h, const TickParams& p) {
  const auto pos = [](float z) { return static_cast<double>(fmaxf(0.0f, z)); };
  return static_cast<float>(p.w_audio * pos(h.z_audio) + p.w_chat * pos(h.z_chat) + p.w_flux * pos(h.z_flux) +
                            p.w_hf * pos(h.z_hf));
}

// scoring.cpp chat_surprise.
__device__ inline double chat_surprise_dev(double x, double mean, double prior) {
  const double information = x * log((x + prior) / (mean + prior));
  const double z = sqrt(2.0 * fabs(information));
  return x >= mean ? z : -z;
}

// scoring.cpp score_running.
__device__ inline void score_running_dev(HopFeatures& h, FeatureStatsDev& st, const TickParams& p) {
  const double level = 20.0 * log10(fmax(static_cast<double>(h.rms), 1e-5));  // scoring.cpp level_db
  h.z_audio = 0.0f;
  const bool quiet =
      level < p.audio_silence_db || (st.audio_level.n > 0 && level < st.audio_level.mean - p.audio_quiet_db);
  running_push(st.audio_level, level, p.alpha);
  if (!quiet) {
    const double jump = st.audio_recent.n > 0 ? level - st.audio_recent.mean : 0.0;
    if (st.audio_recent.n > 0)
      h.z_audio = static_cast<float>(jump / (fmax(sqrt(st.audio.var), p.audio_min_std_db) + p.z_eps));
    running_push(st.audio, jump, p.alpha);
    running_push(st.audio_recent, level, p.audio_alpha);
  }
  const double count = fmax(0.0, static_cast<double>(h.chat_rate) * p.chat_window_s);
  h.z_chat = st.chat.n == 0 ? 0.0f : static_cast<float>(chat_surprise_dev(count, st.chat.mean, p.chat_prior));
  running_push(st.chat, count, p.alpha);
  h.z_flux = running_z(h.flux, st.flux, p.spectral_min_rel_std * fabs(st.flux.mean), p.z_eps, p.alpha);
  h.z_hf = running_z(h.hf_ratio, st.hf, p.spectral_min_rel_std * fabs(st.hf.mean), p.z_eps, p.alpha);
  h.score = fuse_scores_dev(h, p);
}

}  // namespace hyped::cuda
