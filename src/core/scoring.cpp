#include "core/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hyped {

float fuse_scores(const HopFeatures& h, const DetectorParams& p) {
  const auto pos = [](float z) { return static_cast<double>(std::max(0.0f, z)); };
  return static_cast<float>(p.w_audio * pos(h.z_audio) + p.w_chat * pos(h.z_chat) + p.w_flux * pos(h.z_flux) +
                            p.w_hf * pos(h.z_hf));
}

FeatureStats::FeatureStats(const DetectorParams& p)
    : audio(p.halflife_hops()), chat(p.halflife_hops()), flux(p.halflife_hops()), hf(p.halflife_hops()) {}

namespace {
float running_z(double x, RunningStats& s, double floor, double eps) {
  const double z = s.count() == 0 ? 0.0 : z_score(x, s.mean(), std::max(s.stddev(), floor), eps);
  s.push(x);
  return static_cast<float>(z);
}
}  // namespace

void score_running(HopFeatures& h, FeatureStats& st, const DetectorParams& p) {
  const double audio_floor = p.audio_min_rel_std * st.audio.mean();
  h.z_audio = running_z(h.rms, st.audio, audio_floor, p.z_eps);
  h.z_chat = running_z(h.chat_rate, st.chat, p.chat_min_std, p.z_eps);
  // Without a floor the second frame would divide by std 0 (+1e-8): z in the millions.
  h.z_flux = running_z(h.flux, st.flux, p.spectral_min_rel_std * std::abs(st.flux.mean()), p.z_eps);
  h.z_hf = running_z(h.hf_ratio, st.hf, p.spectral_min_rel_std * std::abs(st.hf.mean()), p.z_eps);
  h.score = fuse_scores(h, p);
}

void score_global(std::span<HopFeatures> series, const DetectorParams& p) {
  std::vector<float> col(series.size());
  const auto z_column = [&](float HopFeatures::*feature, float HopFeatures::*z) {
    for (std::size_t i = 0; i < series.size(); ++i) col[i] = series[i].*feature;
    const MeanStd ms = global_mean_std(col);
    for (auto& h : series) h.*z = static_cast<float>(z_score(h.*feature, ms.mean, ms.std, p.z_eps));
  };
  z_column(&HopFeatures::rms, &HopFeatures::z_audio);
  z_column(&HopFeatures::chat_rate, &HopFeatures::z_chat);
  z_column(&HopFeatures::flux, &HopFeatures::z_flux);
  z_column(&HopFeatures::hf_ratio, &HopFeatures::z_hf);
  for (auto& h : series) h.score = fuse_scores(h, p);
}

}  // namespace hyped
