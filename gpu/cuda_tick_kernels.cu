// Streaming-tick kernels: per hop block energy and windowed FFT frames, spectral sums of the cuFFT
// output, and the per-channel sequential part (frame assembly, chat box, running z, fusion).
#include <cuda_runtime.h>

#include "core/running_stats.hpp"
#include "gpu/cuda_check.cuh"
#include "gpu/cuda_kernels.cuh"
#include "gpu/cuda_reduce.cuh"
#include "gpu/cuda_scoring.cuh"

namespace hyped::cuda {
namespace {

constexpr int kBlockThreads = 256;
constexpr int kChannelThreads = 128;

// One thread block per hop block. The samples are read once (16-byte loads where the block is
// 16-byte aligned): each thread accumulates its share of Σx² and writes the windowed frame values
// the FFT needs, so the energy costs no extra pass over memory.
__global__ void __launch_bounds__(kBlockThreads)
    window_energy_kernel(const float* __restrict__ samples, const float* __restrict__ window,
                         float* __restrict__ frames, double* __restrict__ sumsq, TickParams p) {
  const long long blk = blockIdx.x;
  const float* x = samples + blk * p.hop_len;
  const int framed = p.frames_per_hop * p.fft_size;  // samples that fall inside FFT frames
  float* fr = frames + blk * framed;
  float acc = 0.0f;  // a thread sums ~32 squares: float is exact enough, the block total is double
  if (p.hop_len % 4 == 0) {
    const auto* x4 = reinterpret_cast<const float4*>(x);
    const auto* w4 = reinterpret_cast<const float4*>(window);
    auto* f4 = reinterpret_cast<float4*>(fr);
    const int n4 = p.hop_len / 4;
    const int framed4 = framed / 4;
    const int wmask4 = p.fft_size / 4 - 1;  // fft_size is a power of two
#pragma unroll 4
    for (int i = threadIdx.x; i < n4; i += kBlockThreads) {
      const float4 v = x4[i];
      acc = fmaf(v.x, v.x, acc);
      acc = fmaf(v.y, v.y, acc);
      acc = fmaf(v.z, v.z, acc);
      acc = fmaf(v.w, v.w, acc);
      if (i < framed4) {
        const float4 w = w4[i & wmask4];
        f4[i] = make_float4(v.x * w.x, v.y * w.y, v.z * w.z, v.w * w.w);
      }
    }
  } else {
    for (int i = threadIdx.x; i < p.hop_len; i += kBlockThreads) {
      const float v = x[i];
      acc = fmaf(v, v, acc);
      if (i < framed) fr[i] = v * window[i & (p.fft_size - 1)];
    }
  }
  const double total = block_sum<kBlockThreads>(static_cast<double>(acc));
  if (threadIdx.x == 0) sumsq[blk] = total;
}

// One thread block per hop block, a thread per frequency bin walking the block's frames in order so
// the previous frame's magnitude stays in a register (cpu_backend.cpp block_sums, term for term).
__global__ void __launch_bounds__(kBlockThreads)
    spectral_sums_kernel(const cufftComplex* __restrict__ spectra, SpectralSums* __restrict__ out, TickParams p) {
  const long long blk = blockIdx.x;
  const cufftComplex* s = spectra + blk * p.frames_per_hop * p.bins;
  double flux = 0, high = 0, total = 0;
  for (int k = threadIdx.x; k < p.bins; k += kBlockThreads) {
    float prev = 0.0f;
    for (int t = 0; t < p.frames_per_hop; ++t) {
      const cufftComplex z = s[t * p.bins + k];
      const double power = static_cast<double>(z.x) * z.x + static_cast<double>(z.y) * z.y;
      const float mag = static_cast<float>(sqrt(power));
      total += power;
      if (k >= p.high_bin) high += power;
      if (t > 0) flux += fmaxf(0.0f, mag - prev);
      prev = mag;
    }
  }
  flux = block_sum<kBlockThreads>(flux);
  high = block_sum<kBlockThreads>(high);
  total = block_sum<kBlockThreads>(total);
  if (threadIdx.x == 0) out[blk] = SpectralSums{flux, high, total};
}

// One thread per slot (a channel with audio this tick): the hops of a channel depend on each other
// through the running state, so they run in order; channels are independent and run side by side.
__global__ void __launch_bounds__(kChannelThreads)
    score_tick_kernel(const double* __restrict__ sumsq, const SpectralSums* __restrict__ spectral,
                      const float* __restrict__ chat, const int* __restrict__ channel_of,
                      const int* __restrict__ blocks, ChannelStateDev st, HopFeatures* __restrict__ out, int slots,
                      int hops, TickParams p) {
  const int slot = blockIdx.x * blockDim.x + threadIdx.x;
  if (slot >= slots) return;
  const int c = channel_of[slot];  // its state; the tick's arrays are indexed by slot
  const int keep = p.frame_hops - 1;
  BlockSumsDev* recent = st.recent + static_cast<long long>(c) * keep;
  float* ring = st.chat_ring + static_cast<long long>(c) * p.chat_k;
  RunningStatsDev* stats_mem = st.stats + static_cast<long long>(kStatsPerChannel) * c;
  FeatureStatsDev stats{stats_mem[0], stats_mem[1], stats_mem[2], stats_mem[3], stats_mem[4], stats_mem[5]};
  int seen = st.blocks_seen[c];
  int pos = st.chat_pos[c];
  const int taken = min(max(blocks[slot], 0), hops);
  for (int h = taken; h < hops; ++h) {
    HopFeatures& f = out[static_cast<long long>(slot) * hops + h];
    f.rms = f.flux = f.hf_ratio = f.chat_rate = 0.0f;
    f.z_audio = f.z_chat = f.z_flux = f.z_hf = f.score = 0.0f;
  }

  for (int h = 0; h < taken; ++h) {
    const long long i = static_cast<long long>(slot) * hops + h;
    const SpectralSums sp = spectral[i];
    const BlockSumsDev cur{sumsq[i], sp.flux, sp.high, sp.total};
    HopFeatures f;
    f.rms = f.flux = f.hf_ratio = f.chat_rate = 0.0f;
    f.z_audio = f.z_chat = f.z_flux = f.z_hf = f.score = 0.0f;
    if (seen + 1 >= p.frame_hops) {
      // spectral_block.cpp assemble_frame: blocks summed oldest first
      BlockSumsDev s{0, 0, 0, 0};
      for (int j = 0; j < keep; ++j) {
        s.sumsq += recent[j].sumsq;
        s.flux += recent[j].flux;
        s.high += recent[j].high;
        s.total += recent[j].total;
      }
      s.sumsq += cur.sumsq;
      s.flux += cur.flux;
      s.high += cur.high;
      s.total += cur.total;
      const int pairs = p.frame_hops * (p.frames_per_hop - 1);
      f.rms = static_cast<float>(sqrt(s.sumsq / p.frame_len));
      f.flux = pairs > 0 ? static_cast<float>(s.flux / pairs) : 0.0f;
      f.hf_ratio = s.total > 0 ? static_cast<float>(s.high / s.total) : 0.0f;
      // chat_series.cpp TrailingBox::push: summed oldest first, in double
      ring[pos] = chat[i];
      pos = (pos + 1) % p.chat_k;
      double sum = 0;
      for (int j = 0; j < p.chat_k; ++j) sum += ring[(pos + j) % p.chat_k];
      const float box = static_cast<float>(sum / static_cast<double>(p.chat_k));
      f.chat_rate = static_cast<float>(box / p.hop_s);
      score_running_dev(f, stats, p);
    } else {
      ++seen;  // a stream's first frame_hops − 1 blocks end no frame; their chat is ignored
    }
    for (int j = 0; j + 1 < keep; ++j) recent[j] = recent[j + 1];
    if (keep > 0) recent[keep - 1] = cur;
    out[i] = f;
  }
  stats_mem[0] = stats.audio;
  stats_mem[1] = stats.audio_recent;
  stats_mem[2] = stats.audio_level;
  stats_mem[3] = stats.chat;
  stats_mem[4] = stats.flux;
  stats_mem[5] = stats.hf;
  st.blocks_seen[c] = seen;
  st.chat_pos[c] = pos;
}

__global__ void prime_chat_kernel(const float* __restrict__ history, int per, ChannelStateDev st, int channels,
                                  TickParams p) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  // TrailingBox::prime: the newest min(per, k − 1) values, oldest first
  const int keep = per < p.chat_k - 1 ? per : p.chat_k - 1;
  float* ring = st.chat_ring + static_cast<long long>(c) * p.chat_k;
  int pos = st.chat_pos[c];
  for (int j = per - keep; j < per; ++j) {
    ring[pos] = history[static_cast<long long>(c) * per + j];
    pos = (pos + 1) % p.chat_k;
  }
  st.chat_pos[c] = pos;
}

unsigned grid_for(long long n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace

TickParams make_tick_params(const DetectorParams& p) {
  TickParams t;
  t.hop_len = p.hop_len();
  t.fft_size = p.fft_size;
  t.frames_per_hop = p.fft_frames_per_hop();
  t.bins = p.fft_size / 2 + 1;
  t.high_bin = p.high_band_bin();
  t.frame_hops = p.frame_hops();
  t.frame_len = p.frame_len();
  t.chat_k = p.chat_box_hops() < 1 ? 1 : p.chat_box_hops();  // TrailingBox keeps at least one slot
  t.hop_s = p.hop_s;
  t.alpha = ew_alpha(p.halflife_hops());
  t.audio_alpha = ew_alpha(p.audio_baseline_hops());
  t.audio_min_std_db = p.audio_min_std_db;
  t.audio_silence_db = p.audio_silence_db;
  t.audio_quiet_db = p.audio_quiet_db;
  t.chat_window_s = p.chat_window_s;
  t.chat_prior = p.chat_prior;
  t.spectral_min_rel_std = p.spectral_min_rel_std;
  t.z_eps = p.z_eps;
  t.w_audio = p.w_audio;
  t.w_chat = p.w_chat;
  t.w_flux = p.w_flux;
  t.w_hf = p.w_hf;
  return t;
}

void launch_window_energy(const float* samples, const float* window, float* frames, double* sumsq, long long blocks,
                          const TickParams& p, cudaStream_t s) {
  if (blocks == 0) return;
  window_energy_kernel<<<static_cast<unsigned>(blocks), kBlockThreads, 0, s>>>(samples, window, frames, sumsq, p);
  HYPED_CUDA_CHECK_LAUNCH();
}

void launch_spectral_sums(const cufftComplex* spectra, SpectralSums* out, long long blocks, const TickParams& p,
                          cudaStream_t s) {
  if (blocks == 0) return;
  spectral_sums_kernel<<<static_cast<unsigned>(blocks), kBlockThreads, 0, s>>>(spectra, out, p);
  HYPED_CUDA_CHECK_LAUNCH();
}

void launch_score_tick(const double* sumsq, const SpectralSums* spectral, const float* chat, const int* channel_of,
                       const int* blocks, ChannelStateDev st, HopFeatures* out, int slots, int hops,
                       const TickParams& p, cudaStream_t s) {
  score_tick_kernel<<<grid_for(slots, kChannelThreads), kChannelThreads, 0, s>>>(sumsq, spectral, chat, channel_of,
                                                                                 blocks, st, out, slots, hops, p);
  HYPED_CUDA_CHECK_LAUNCH();
}

void launch_prime_chat(const float* history, int per, ChannelStateDev st, int channels, const TickParams& p,
                       cudaStream_t s) {
  prime_chat_kernel<<<grid_for(channels, kChannelThreads), kChannelThreads, 0, s>>>(history, per, st, channels, p);
  HYPED_CUDA_CHECK_LAUNCH();
}

cudaError_t probe_kernel_image() {
  cudaFuncAttributes attr{};
  return cudaFuncGetAttributes(&attr, score_tick_kernel);
}

}  // namespace hyped::cuda
