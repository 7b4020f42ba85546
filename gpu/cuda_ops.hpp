// Whole-recording analysis with the signal resident on the GPU (the seed's batch mode done in two
// bandwidth-bound kernels and one small copy back), and the device timers behind `hyped profile` and
// tools/bench_gpu. Host-only: no CUDA types. In builds without CUDA every entry point throws.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "core/detector_params.hpp"

namespace hyped {

// Medians over `reps` runs after a warm-up: device time between events around the enqueued work, and
// host wall time from the call until the result is usable on the host (std::chrono::steady_clock).
struct OpTiming {
  double gpu_ms = 0;
  double wall_ms = 0;
  int reps = 0;
};

// Frames whose global z exceeds a threshold (seed: z = (rms − mean)/(std + 1e−8), peaks where z > 1.5).
struct WholeFilePeaks {
  long long frames = 0;
  double mean_rms = 0;  // mean and unbiased (n − 1) std of the frame RMS, as torch.mean / torch.std
  double std_rms = 0;
  std::vector<long long> frame;  // ascending
  std::vector<float> z;
};

class CudaWholeFile {
 public:
  // Reserves device and pinned memory for up to `max_samples`; throws when no CUDA device is usable.
  CudaWholeFile(const DetectorParams& p, long long max_samples);
  ~CudaWholeFile();
  CudaWholeFile(const CudaWholeFile&) = delete;
  CudaWholeFile& operator=(const CudaWholeFile&) = delete;

  // Copies the signal to the device through pinned staging (chunks overlap copy and DMA); blocks.
  void upload(std::span<const float> samples);
  // Frame RMS (1 s frames, hop_s apart, from per-hop Σx²), global statistics, z, and the frames over
  // `peak_z`. A trailing partial hop is dropped, as the seed's unfold does.
  WholeFilePeaks analyse(double peak_z);
  // Frame RMS of the last analyse() (for tests).
  std::vector<float> frame_rms();

  OpTiming time_upload(std::span<const float> samples, int reps);  // host memory → pinned → device
  OpTiming time_upload_pinned(int reps);                           // pinned → device only
  OpTiming time_rms(int reps);                                     // frame RMS, left on the device
  OpTiming time_zscore_peaks(double peak_z, int reps);             // from the per-hop sums, result copied back
  OpTiming time_pipeline(double peak_z, int reps);                 // analyse()
  long long samples() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// y = sqrt(x²) over n floats already on the device (the seed's first profiler row).
OpTiming cuda_time_sqrt_square(std::size_t n, int reps);
// Centred box smoothing of a chat series on the device (seed: conv1d with ones(k)/k, padding k/2);
// the result stays on the device, copied into *result only when asked for.
OpTiming cuda_time_box_smoothing(std::span<const float> counts, int k, int reps, std::vector<float>* result = nullptr);

}  // namespace hyped
