// Detector parameters: every knob of the excitement detector, with the seed's defaults.
#pragma once

#include <cmath>
#include <string>

namespace hyped {

enum class ZMode { Global, Running };

struct DetectorParams {
  // audio (seed: 16 kHz mono float, 1 s frames, 0.5 s hop)
  int sample_rate_hz = 16000;
  double frame_s = 1.0;
  double hop_s = 0.5;

  // statistics
  ZMode z_mode = ZMode::Running;
  double stats_halflife_s = 600.0;
  double warmup_s = 60.0;
  double z_eps = 1e-8;  // seed: z = (e − mean)/(std + 1e−8)
  // Running mode only: a stationary bed has a tiny spread, which would turn noise into "excitement";
  // these floors keep the z denominator at a meaningful size until real variation has been seen.
  double audio_min_std_db = 1.5;       // level spread floor, dB
  double spectral_min_rel_std = 0.05;  // flux and high-band ratio: fraction of their running means
  // Running mode audio: the level (dB) is measured against its recent past (a mean with this
  // half-life), so a sudden cheer stands out while a section that grows louder over a minute does not;
  // its spread comes from the long statistics (stats_halflife_s).
  double audio_baseline_s = 8.0;
  // Hops quieter than this (dBFS), or audio_quiet_db below the stream's usual level, are silence: they
  // score 0 and teach the statistics nothing, so a stream resuming after a pause is measured against
  // how it sounded before it.
  double audio_silence_db = -60.0;
  double audio_quiet_db = 20.0;

  // spectral features (1024-point frames inside each hop)
  int fft_size = 1024;
  double high_band_hz = 2000.0;

  // chat (seed: box kernel of 5 s; centred in replay, trailing in live). 20 s counts a reaction whole
  // (docs/QUALITY.md: picked in every leave-one-broadcast-out fold, 10 to 30 s tried).
  double chat_window_s = 20.0;
  bool chat_centred = true;
  double emote_weight = 0.0;  // extra weight per emote in a message
  // What one line counts (core/chat_reaction.hpp): a reaction 1, another line chat_other_weight; a
  // person once per chat_user_window_s; a long line's copies beyond chat_copies_kept within
  // chat_copy_window_s nothing (raids, copypasta).
  double chat_other_weight = 0.25;
  double chat_user_window_s = 10.0;
  int chat_copy_min_chars = 12;
  int chat_copies_kept = 3;
  double chat_copy_window_s = 30.0;
  // Running mode chat z: the surprise of the window's count against its running mean (scoring.hpp
  // chat_surprise; a rise from 5 to 25 lines says more than one from 0.2 to 1), with this prior count
  // added to both.
  double chat_prior = 2.0;

  // fusion: score = w_audio·max(0, z_audio) + w_chat·max(0, z_chat) + w_flux·… + w_hf·…
  double w_audio = 1.0;
  double w_chat = 1.0;
  double w_flux = 0.0;
  double w_hf = 0.0;
  double threshold = 2.0;  // the floor: nothing weaker fires, whatever the rate
  // About how many highlights an hour to fire (0: every crossing of `threshold`): the threshold rises
  // to the score that many of the last rate_window_s's refractory periods reached.
  double target_per_hour = 4.0;
  double rate_window_s = 3600.0;
  // What a channel must reach before it has shown its own range (see core/peak_picker.hpp).
  double start_threshold = 4.5;
  double reason_z = 1.5;  // a signal is named as a reason when its z reaches this (seed's peak z)

  // peak picking
  double refractory_s = 30.0;
  double pre_s = 20.0;
  double post_s = 10.0;

  int hop_len() const { return static_cast<int>(hop_s * sample_rate_hz + 0.5); }
  int frame_len() const { return static_cast<int>(frame_s * sample_rate_hz + 0.5); }
  int frame_hops() const { return frame_len() / hop_len(); }
  int chat_box_hops() const { return static_cast<int>(chat_window_s / hop_s + 0.5); }
  // Centred box (seed: conv1d with ones/k and padding k/2) looks this many hops ahead.
  int chat_lookahead_hops() const { return chat_centred ? chat_box_hops() - 1 - chat_box_hops() / 2 : 0; }
  // Time of frame i: its centre.
  double frame_time_s(long long i) const { return static_cast<double>(i) * hop_s + frame_s / 2.0; }
  // The frame whose centre is nearest to time t (the inverse of frame_time_s).
  long long frame_at(double t_s) const {
    return static_cast<long long>(std::floor((t_s - frame_s / 2.0) / hop_s + 0.5));
  }
  double halflife_hops() const { return stats_halflife_s / hop_s; }
  double audio_baseline_hops() const { return audio_baseline_s / hop_s; }
  int fft_frames_per_hop() const { return hop_len() / fft_size; }
  int high_band_bin() const { return static_cast<int>(high_band_hz * fft_size / sample_rate_hz + 0.5); }
};

// Throws std::invalid_argument naming the offending parameter.
void validate(const DetectorParams& p);

const char* to_string(ZMode m);

}  // namespace hyped
