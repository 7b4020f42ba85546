// Device mirrors of core/scoring.cpp and core/running_stats.cpp, line for line, in double, so the
// CUDA backend's z-scores and fused scores match the CPU reference.
#pragma once

#include "core/hop_features.hpp"
#include "gpu/cuda_kernels.cuh"

namespace hyped::cuda {

struct FeatureStatsDev {
  RunningStatsDev audio, chat, flux, hf;
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

// scoring.cpp score_running.
__device__ inline void score_running_dev(HopFeatures& h, FeatureStatsDev& st, const TickParams& p) {
  const double audio_floor = p.audio_min_rel_std * st.audio.mean;
  h.z_audio = running_z(h.rms, st.audio, audio_floor, p.z_eps, p.alpha);
  h.z_chat = running_z(h.chat_rate, st.chat, p.chat_min_std, p.z_eps, p.alpha);
  h.z_flux = running_z(h.flux, st.flux, p.spectral_min_rel_std * fabs(st.flux.mean), p.z_eps, p.alpha);
  h.z_hf = running_z(h.hf_ratio, st.hf, p.spectral_min_rel_std * fabs(st.hf.mean), p.z_eps, p.alpha);
  h.score = fuse_scores_dev(h, p);
}

}  // namespace hyped::cuda
