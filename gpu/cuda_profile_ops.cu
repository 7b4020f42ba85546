// The seed profiler's small rows on the device: an elementwise sqrt(x²) and the chat box smoothing.
#include <vector>

#include "gpu/cuda_device.cuh"
#include "gpu/cuda_ops.hpp"
#include "gpu/cuda_resources.cuh"
#include "gpu/cuda_timing.cuh"

namespace hyped {
namespace {

using namespace hyped::cuda;

constexpr int kThreads = 256;

__global__ void fill_kernel(float* x, std::size_t n) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (i < n) x[i] = static_cast<float>(i % 1997) * 1e-3f - 1.0f;  // any non-zero pattern
}

__global__ void sqrt_square_kernel(const float* __restrict__ x, float* __restrict__ y, std::size_t n) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (i < n) y[i] = sqrtf(x[i] * x[i]);
}

// chat_series.cpp smooth_box_centred: zero padded, summed in order in double.
__global__ void box_centred_kernel(const float* __restrict__ x, float* __restrict__ y, long long n, int k) {
  const long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= n) return;
  const long long pad = k / 2;
  double s = 0;
  for (int j = 0; j < k; ++j) {
    const long long src = i + j - pad;
    if (src >= 0 && src < n) s += x[src];
  }
  y[i] = static_cast<float>(s / k);
}

unsigned grid(std::size_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

OpTiming cuda_time_sqrt_square(std::size_t n, int reps) {
  require_device("sqrt(square) on CUDA");
  Stream stream;
  DeviceArray<float> x(n), y(n);
  fill_kernel<<<grid(n), kThreads, 0, stream.get()>>>(x.data(), n);
  HYPED_CUDA_CHECK_LAUNCH();
  return time_op(stream.get(), reps, [&] {
    sqrt_square_kernel<<<grid(n), kThreads, 0, stream.get()>>>(x.data(), y.data(), n);
    HYPED_CUDA_CHECK_LAUNCH();
  });
}

OpTiming cuda_time_box_smoothing(std::span<const float> counts, int k, int reps, std::vector<float>* result) {
  require_device("chat smoothing on CUDA");
  Stream stream;
  const std::size_t n = counts.size();
  DeviceArray<float> x(std::max<std::size_t>(1, n)), y(std::max<std::size_t>(1, n));
  HYPED_CUDA_CHECK(cudaMemcpyAsync(x.data(), counts.data(), n * sizeof(float), cudaMemcpyHostToDevice, stream.get()));
  const OpTiming t = time_op(stream.get(), reps, [&] {
    if (n == 0) return;
    box_centred_kernel<<<grid(n), kThreads, 0, stream.get()>>>(x.data(), y.data(), static_cast<long long>(n), k);
    HYPED_CUDA_CHECK_LAUNCH();
  });
  if (result) {
    result->resize(n);
    HYPED_CUDA_CHECK(
        cudaMemcpyAsync(result->data(), y.data(), n * sizeof(float), cudaMemcpyDeviceToHost, stream.get()));
    HYPED_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  }
  return t;
}

}  // namespace hyped
