// Times device work the way the seed's profiler table reports it: events around the enqueued work
// for device time, steady_clock from the call until the result is usable for wall time; medians.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

#include "gpu/cuda_ops.hpp"
#include "gpu/cuda_resources.cuh"

namespace hyped::cuda {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// enqueue(): puts the work on stream s. finish(): host work after the wait that makes the result usable.
template <class Enqueue, class Finish>
OpTiming time_op(cudaStream_t s, int reps, Enqueue&& enqueue, Finish&& finish) {
  constexpr int kWarmup = 3;  // module load, first-touch and clock ramp stay out of the numbers
  Event start, stop;
  std::vector<double> gpu, wall;
  for (int r = 0; r < kWarmup + reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    HYPED_CUDA_CHECK(cudaEventRecord(start.get(), s));
    enqueue();
    HYPED_CUDA_CHECK(cudaEventRecord(stop.get(), s));
    HYPED_CUDA_CHECK(cudaEventSynchronize(stop.get()));
    finish();
    const auto t1 = std::chrono::steady_clock::now();
    if (r < kWarmup) continue;
    gpu.push_back(elapsed_ms(start, stop));
    wall.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return {median(gpu), median(wall), reps};
}

template <class Enqueue>
OpTiming time_op(cudaStream_t s, int reps, Enqueue&& enqueue) {
  return time_op(s, reps, enqueue, [] {});
}

}  // namespace hyped::cuda
