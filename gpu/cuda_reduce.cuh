// Block-wide sum and scan built from warp shuffles. Fixed orders of operation, so a kernel using
// them gives the same bits on every run (no atomics in any reduction).
#pragma once

namespace hyped::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

// Sum of v over the block; every thread receives it. kThreads must be a multiple of 32 and every
// thread of the block must call it (it synchronises).
template <int kThreads, class T>
__device__ T block_sum(T v) {
  static_assert(kThreads % 32 == 0 && kThreads <= 1024, "block size must be whole warps");
  __shared__ T warp_totals[kThreads / 32];
  v = warp_sum(v);
  if ((threadIdx.x & 31) == 0) warp_totals[threadIdx.x >> 5] = v;
  __syncthreads();
  T total = 0;
  for (int w = 0; w < kThreads / 32; ++w) total += warp_totals[w];
  __syncthreads();  // the buffer is reused by the next call
  return total;
}

// Exclusive prefix sum of v over the block in thread order; *total receives the block's sum.
template <int kThreads>
__device__ int block_exclusive_scan(int v, int* total) {
  static_assert(kThreads % 32 == 0 && kThreads <= 1024, "block size must be whole warps");
  __shared__ int warp_totals[kThreads / 32];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  int inclusive = v;
  for (int offset = 1; offset < 32; offset <<= 1) {
    const int up = __shfl_up_sync(kFullMask, inclusive, offset);
    if (lane >= offset) inclusive += up;
  }
  if (lane == 31) warp_totals[warp] = inclusive;
  __syncthreads();
  int before = 0, sum = 0;
  for (int w = 0; w < kThreads / 32; ++w) {
    if (w < warp) before += warp_totals[w];
    sum += warp_totals[w];
  }
  __syncthreads();
  *total = sum;
  return before + inclusive - v;
}

}  // namespace hyped::cuda
