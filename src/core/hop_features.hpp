// What the detector knows about one hop of one channel: raw features, their z-scores and the fused score.
#pragma once

namespace hyped {

struct HopFeatures {
  float rms = 0;        // frame RMS (seed: sqrt(mean(window²)))
  float flux = 0;       // spectral flux, mean per FFT frame
  float hf_ratio = 0;   // energy above spectral.high_band_hz / total energy
  float chat_rate = 0;  // smoothed chat, weighted messages per second
  float z_audio = 0;
  float z_chat = 0;
  float z_flux = 0;
  float z_hf = 0;
  float score = 0;
};

}  // namespace hyped
