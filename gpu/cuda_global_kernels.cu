// score_global on the device: per-feature mean and unbiased std by block reductions in double, then
// z and fusion per entry (core/scoring.cpp score_global, core/running_stats.cpp global_mean_std).
#include "gpu/cuda_check.cuh"
#include "gpu/cuda_kernels.cuh"
#include "gpu/cuda_reduce.cuh"
#include "gpu/cuda_scoring.cuh"

namespace hyped::cuda {
namespace {

constexpr int kMomentThreads = 1024;
constexpr int kScoreThreads = 256;

__device__ inline float feature(const HopFeatures& h, int which) {
  switch (which) {
    case 0:
      return h.rms;
    case 1:
      return h.chat_rate;
    case 2:
      return h.flux;
    default:
      return h.hf_ratio;
  }
}

// One block per feature; two passes (mean, then squared deviations) as the CPU does, so no
// cancellation from a one-pass Σx² − n·mean².
__global__ void __launch_bounds__(kMomentThreads)
    global_moments_kernel(const HopFeatures* __restrict__ series, long long n, MomentsDev* __restrict__ out) {
  const int which = blockIdx.x;
  double sum = 0;
  for (long long i = threadIdx.x; i < n; i += kMomentThreads) sum += feature(series[i], which);
  sum = block_sum<kMomentThreads>(sum);
  const double mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
  double ss = 0;
  for (long long i = threadIdx.x; i < n; i += kMomentThreads) {
    const double d = feature(series[i], which) - mean;
    ss += d * d;
  }
  ss = block_sum<kMomentThreads>(ss);
  if (threadIdx.x == 0) out[which] = MomentsDev{mean, n >= 2 ? sqrt(ss / static_cast<double>(n - 1)) : 0.0};
}

__global__ void __launch_bounds__(kScoreThreads) global_scores_kernel(HopFeatures* __restrict__ series, long long n,
                                                                      const MomentsDev* __restrict__ m, TickParams p) {
  const long long i = static_cast<long long>(blockIdx.x) * kScoreThreads + threadIdx.x;
  if (i >= n) return;
  HopFeatures h = series[i];
  const auto z = [&](float x, int which) { return static_cast<float>((x - m[which].mean) / (m[which].std + p.z_eps)); };
  h.z_audio = z(h.rms, 0);
  h.z_chat = z(h.chat_rate, 1);
  h.z_flux = z(h.flux, 2);
  h.z_hf = z(h.hf_ratio, 3);
  h.score = fuse_scores_dev(h, p);
  series[i] = h;
}

}  // namespace

void launch_global_moments(const HopFeatures* series, long long n, MomentsDev* moments, cudaStream_t s) {
  global_moments_kernel<<<4, kMomentThreads, 0, s>>>(series, n, moments);
  HYPED_CUDA_CHECK_LAUNCH();
}

void launch_global_scores(HopFeatures* series, long long n, const MomentsDev* moments, const TickParams& p,
                          cudaStream_t s) {
  if (n == 0) return;
  const auto grid = static_cast<unsigned>((n + kScoreThreads - 1) / kScoreThreads);
  global_scores_kernel<<<grid, kScoreThreads, 0, s>>>(series, n, moments, p);
  HYPED_CUDA_CHECK_LAUNCH();
}

}  // namespace hyped::cuda
