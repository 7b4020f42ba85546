#include "core/detector_params.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hyped {

namespace {
void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}
}  // namespace

void validate(const DetectorParams& p) {
  for (const double v : {p.hop_s, p.frame_s, p.stats_halflife_s, p.warmup_s, p.audio_min_std_db, p.audio_baseline_s,
                         p.audio_silence_db, p.audio_quiet_db, p.chat_window_s, p.chat_other_weight,
                         p.chat_user_window_s, p.chat_copy_window_s, p.chat_prior, p.threshold, p.target_per_hour,
                         p.rate_window_s, p.start_threshold, p.reason_z, p.refractory_s, p.pre_s, p.post_s})
    require(std::isfinite(v), "detector settings must be finite numbers");
  require(p.sample_rate_hz >= 1000 && p.sample_rate_hz <= 192000, "audio.sample_rate_hz must be in [1000, 192000]");
  // Bounded before hop_len(), frame_len() and chat_box_hops() turn them into sample and hop counts (int).
  require(p.hop_s > 0 && p.hop_s <= 60 && p.hop_len() >= 1, "audio.hop_s must be in (0, 60]");
  require(p.frame_s >= p.hop_s && p.frame_s <= 600, "audio.frame_s must be at least audio.hop_s and at most 600");
  require(p.chat_window_s <= 3600, "chat.window_s must be at most 3600");
  require(p.frame_len() % p.hop_len() == 0, "audio.frame_s must be a whole multiple of audio.hop_s");
  require(p.stats_halflife_s > 0, "stats.halflife_s must be positive");
  require(p.warmup_s >= 0, "stats.warmup_s must not be negative");
  require(p.audio_min_std_db >= 0 && p.spectral_min_rel_std >= 0, "stats floors must not be negative");
  require(p.audio_baseline_s > 0, "stats.audio_baseline_s must be positive");
  require(p.audio_quiet_db > 0, "audio.quiet_db must be positive");
  require(p.fft_size >= 16 && (p.fft_size & (p.fft_size - 1)) == 0, "spectral.fft_size must be a power of two >= 16");
  require(p.fft_size <= p.hop_len(), "spectral.fft_size must fit inside one hop");
  require(p.high_band_hz > 0 && p.high_band_hz < p.sample_rate_hz / 2.0, "spectral.high_band_hz must be below Nyquist");
  require(p.chat_window_s >= p.hop_s, "chat.window_s must be at least one hop");
  require(p.emote_weight >= 0, "chat.emote_weight must not be negative");
  require(p.chat_other_weight >= 0, "chat.other_weight must not be negative");
  require(p.chat_user_window_s >= 0 && p.chat_copy_window_s >= 0, "chat windows must not be negative");
  require(p.chat_copy_min_chars >= 1 && p.chat_copies_kept >= 1, "chat.copy_min_chars and chat.copies_kept must be at least 1");
  require(p.chat_prior > 0, "chat.prior must be positive");
  require(p.w_audio >= 0 && p.w_chat >= 0 && p.w_flux >= 0 && p.w_hf >= 0, "fusion weights must not be negative");
  require(p.threshold > 0, "fusion.threshold must be positive");
  require(p.target_per_hour >= 0 && p.target_per_hour <= 3600.0 / std::max(p.refractory_s, p.hop_s),
          "fusion.target_per_hour must be in [0, 3600 / peaks.refractory_s]");
  require(p.rate_window_s >= 600 && p.rate_window_s <= 7 * 86400.0, "fusion.rate_window_s must be in [600, 604800]");
  require(p.start_threshold >= 0, "fusion.start_threshold must not be negative");
  require(p.refractory_s >= 0 && p.pre_s >= 0 && p.post_s >= 0, "peaks times must not be negative");
  require(p.refractory_s <= 3600, "peaks.refractory_s must be at most 3600");
}

const char* to_string(ZMode m) { return m == ZMode::Global ? "global" : "running"; }

}  // namespace hyped
