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
    : audio(p.halflife_hops()),
      audio_recent(p.audio_baseline_hops()),
      audio_level(p.halflife_hops()),
      chat(p.halflife_hops()),
      flux(p.halflife_hops()),
      hf(p.halflife_hops()) {}

double level_db(double rms) { return 20.0 * std::log10(std::max(rms, 1e-5)); }

double chat_surprise(double x, double mean, double prior) {
  const double information = x * std::log((x + prior) / (mean + prior));
  const double z = std::sqrt(2.0 * std::abs(information));
  return x >= mean ? z : -z;
}

namespace {
float running_z(double x, RunningStats& s, double floor, double eps) {
  const double z = s.count() == 0 ? 0.0 : z_score(x, s.mean(), std::max(s.stddev(), floor), eps);
  s.push(x);
  return static_cast<float>(z);
}
}  // namespace

void score_running(HopFeatures& h, FeatureStats& st, const DetectorParams& p) {
  const double level = level_db(h.rms);
  h.z_audio = 0.0f;
  // Silence, or far below how this stream usually sounds (a BRB screen): not learnt, so the stream
  // coming back is measured against how it sounded before. The usual level learns from quiet hops too,
  // slowly, so a stream that really turned down is heard again after a few minutes.
  const bool quiet =
      level < p.audio_silence_db || (st.audio_level.count() > 0 && level < st.audio_level.mean() - p.audio_quiet_db);
  st.audio_level.push(level);
  if (!quiet) {
    // The spread is that of the level's jumps from its recent mean, not of the level itself: a section
    // that stays louder for minutes moves the level, not its jumps, and must not dull the next cheer.
    const double jump = st.audio_recent.count() > 0 ? level - st.audio_recent.mean() : 0.0;
    if (st.audio_recent.count() > 0)
      h.z_audio = static_cast<float>(z_score(jump, 0.0, std::max(st.audio.stddev(), p.audio_min_std_db), p.z_eps));
    st.audio.push(jump);
    st.audio_recent.push(level);
  }
  // Negative keyword weights can pull a window below zero: it then counts as nothing said.
  const double count = std::max(0.0, static_cast<double>(h.chat_rate) * p.chat_window_s);
  h.z_chat = st.chat.count() == 0 ? 0.0f : static_cast<float>(chat_surprise(count, st.chat.mean(), p.chat_prior));
  st.chat.push(count);
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
