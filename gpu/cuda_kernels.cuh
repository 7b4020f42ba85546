// Kernels of the CUDA backend, behind host launch functions that take an explicit stream.
// Each mirrors a CPU reference function (named per declaration) so both backends give the same numbers.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include "core/detector_params.hpp"
#include "core/hop_features.hpp"

namespace hyped::cuda {

// Everything the kernels need from DetectorParams, as plain values.
struct TickParams {
  int hop_len = 0;
  int fft_size = 0;
  int frames_per_hop = 0;  // FFT frames inside one hop block
  int bins = 0;            // fft_size / 2 + 1
  int high_bin = 0;
  int frame_hops = 0;
  int frame_len = 0;
  int chat_k = 0;  // chat box length in hops
  double hop_s = 0;
  double alpha = 0;         // ew_alpha(halflife in hops)
  double audio_alpha = 0;   // ew_alpha(audio baseline half-life in hops)
  double audio_min_std_db = 0;
  double audio_silence_db = 0;
  double audio_quiet_db = 0;
  double chat_window_s = 0;
  double chat_prior = 0;
  double spectral_min_rel_std = 0;
  double z_eps = 0;
  double w_audio = 0, w_chat = 0, w_flux = 0, w_hf = 0;
};
TickParams make_tick_params(const DetectorParams& p);

// gpu/spectral_block.hpp BlockSums, split by the kernel that produces each part.
struct SpectralSums {
  double flux, high, total;
};
struct BlockSumsDev {
  double sumsq, flux, high, total;
};
// core/running_stats.hpp RunningStats.
struct RunningStatsDev {
  double mean, var;
  long long n;
};

// Per-channel state carried across ticks; all of it starts as zero bytes (cudaMemset).
struct ChannelStateDev {
  BlockSumsDev* recent = nullptr;    // [C][frame_hops − 1] previous blocks, oldest first
  int* blocks_seen = nullptr;        // [C] saturates at frame_hops
  float* chat_ring = nullptr;        // [C][chat_k]
  int* chat_pos = nullptr;           // [C] slot of the oldest value
  RunningStatsDev* stats = nullptr;  // [C][kStatsPerChannel]: audio, audio_recent, audio_level, chat, flux, hf
};
constexpr int kStatsPerChannel = 6;

// Per hop block: Σx² (sumsq) and the Hann-windowed FFT frames inside it (cpu_backend.cpp block_sums).
void launch_window_energy(const float* samples, const float* window, float* frames, double* sumsq, long long blocks,
                          const TickParams& p, cudaStream_t s);
// Per hop block: flux, high-band and total power from the R2C spectra of its frames.
void launch_spectral_sums(const cufftComplex* spectra, SpectralSums* out, long long blocks, const TickParams& p,
                          cudaStream_t s);
// Per slot, hops in order: frame assembly, trailing chat box, running z, fusion (score_running).
// Slot k is channel channel_of[k] and takes its first blocks[k] hops (Backend::tick_some); the rest of
// its entries are zero.
void launch_score_tick(const double* sumsq, const SpectralSums* spectral, const float* chat, const int* channel_of,
                       const int* blocks, ChannelStateDev st, HopFeatures* out, int slots, int hops,
                       const TickParams& p, cudaStream_t s);
// TrailingBox::prime for every channel: history [C][per].
void launch_prime_chat(const float* history, int per, ChannelStateDev st, int channels, const TickParams& p,
                       cudaStream_t s);

// score_global: mean and unbiased std of each feature (moments[4]: rms, chat_rate, flux, hf_ratio) ...
struct MomentsDev {
  double mean, std;
};
void launch_global_moments(const HopFeatures* series, long long n, MomentsDev* moments, cudaStream_t s);
// ... then z and fusion for every entry.
void launch_global_scores(HopFeatures* series, long long n, const MomentsDev* moments, const TickParams& p,
                          cudaStream_t s);

// Fails when this binary holds no kernel image the current device can run.
cudaError_t probe_kernel_image();

}  // namespace hyped::cuda
