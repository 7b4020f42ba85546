// Whole-recording path: one bandwidth-bound pass turns the device-resident signal into per-hop Σx²
// (frames overlap by whole hops, so each frame's energy is a sum of its hops' sums and no sample is
// read twice), then a single-block kernel makes frame RMS, global mean/std, z and the peak list.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "gpu/cuda_device.cuh"
#include "gpu/cuda_ops.hpp"
#include "gpu/cuda_reduce.cuh"
#include "gpu/cuda_resources.cuh"
#include "gpu/cuda_staging_copy.hpp"
#include "gpu/cuda_timing.cuh"

namespace hyped {
namespace {

using namespace hyped::cuda;

constexpr int kEnergyThreads = 256;
constexpr int kPeakThreads = 1024;
constexpr std::size_t kStagingChunkBytes = std::size_t{8} << 20;  // per host copy / DMA pair
constexpr long long kPeakPrefix = 2048;  // peaks copied back with the header; more need a second copy

struct PeakHeader {
  long long count;
  long long frames;
  double mean;
  double std;
};
struct PeakEntry {
  int frame;
  float z;
};

// One thread block per hop block: 16-byte loads, four in flight per thread, float partial sums per
// thread (~32 squares each) and a double block total.
template <bool kVec4>
__global__ void __launch_bounds__(kEnergyThreads)
    block_energy_kernel(const float* __restrict__ x, int hop_len, double* __restrict__ sumsq) {
  const float* blk = x + static_cast<long long>(blockIdx.x) * hop_len;
  float acc = 0.0f;
  if constexpr (kVec4) {
    const auto* v4 = reinterpret_cast<const float4*>(blk);
    const int n4 = hop_len / 4;
#pragma unroll 4
    for (int i = threadIdx.x; i < n4; i += kEnergyThreads) {
      const float4 v = __ldcs(v4 + i);  // read once: stream past L2
      acc = fmaf(v.x, v.x, acc);
      acc = fmaf(v.y, v.y, acc);
      acc = fmaf(v.z, v.z, acc);
      acc = fmaf(v.w, v.w, acc);
    }
  } else {
    for (int i = threadIdx.x; i < hop_len; i += kEnergyThreads) acc = fmaf(blk[i], blk[i], acc);
  }
  const double total = block_sum<kEnergyThreads>(static_cast<double>(acc));
  if (threadIdx.x == 0) sumsq[blockIdx.x] = total;
}

// spectral_block.cpp assemble_frame: rms = sqrt(Σ of the frame's hop sums, oldest first / frame_len).
__device__ inline float frame_rms_at(const double* sumsq, long long f, int frame_hops, int frame_len) {
  double e = 0;
  for (int j = 0; j < frame_hops; ++j) e += sumsq[f + j];
  return static_cast<float>(sqrt(e / frame_len));
}

__global__ void frame_rms_kernel(const double* __restrict__ sumsq, long long frames, int frame_hops, int frame_len,
                                 float* __restrict__ rms) {
  const long long f = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (f < frames) rms[f] = frame_rms_at(sumsq, f, frame_hops, frame_len);
}

// A single block: the statistics need every frame, and a few thousand frames are too few to pay for
// a grid-wide reduction. The two statistics passes stride over the frames (coalesced); the peak pass
// gives each thread a contiguous run so the list comes out in order from one block scan.
__global__ void __launch_bounds__(kPeakThreads)
    zscore_peaks_kernel(const double* __restrict__ sumsq, long long frames, int frame_hops, int frame_len, double eps,
                        float peak_z, float* __restrict__ rms, PeakHeader* __restrict__ header,
                        PeakEntry* __restrict__ peaks) {
  double sum = 0;
  for (long long f = threadIdx.x; f < frames; f += kPeakThreads) {
    const float r = frame_rms_at(sumsq, f, frame_hops, frame_len);
    rms[f] = r;
    sum += r;
  }
  // block_sum's barrier also makes every thread's rms writes visible to the whole block
  const double mean = frames > 0 ? block_sum<kPeakThreads>(sum) / static_cast<double>(frames) : 0.0;
  double ss = 0;
  for (long long f = threadIdx.x; f < frames; f += kPeakThreads) {
    const double d = rms[f] - mean;
    ss += d * d;
  }
  ss = block_sum<kPeakThreads>(ss);
  const double sd = frames >= 2 ? sqrt(ss / static_cast<double>(frames - 1)) : 0.0;
  const auto z_of = [&](long long f) { return static_cast<float>((rms[f] - mean) / (sd + eps)); };
  const long long per = (frames + kPeakThreads - 1) / kPeakThreads;
  const long long lo = threadIdx.x * per;
  const long long hi = lo + per < frames ? lo + per : frames;
  int mine = 0;
  for (long long f = lo; f < hi; ++f) mine += z_of(f) > peak_z;
  int total = 0;
  int at = block_exclusive_scan<kPeakThreads>(mine, &total);
  for (long long f = lo; f < hi; ++f) {
    const float z = z_of(f);
    if (z > peak_z) peaks[at++] = PeakEntry{static_cast<int>(f), z};
  }
  if (threadIdx.x == 0) *header = PeakHeader{total, frames, mean, sd};
}

}  // namespace

struct CudaWholeFile::Impl {
  Impl(const DetectorParams& params, long long max_samples) : p(params), capacity(max_samples) {
    validate(p);
    require_device("whole-file analysis on CUDA");
    if (max_samples < 0) throw std::invalid_argument("CudaWholeFile: negative size");
    const auto n = static_cast<std::size_t>(std::max(1LL, max_samples));
    const auto blocks = std::max<std::size_t>(1, n / static_cast<std::size_t>(p.hop_len()));
    staging.reserve(n);
    signal.reserve(n);
    sumsq.reserve(blocks);
    rms.reserve(blocks);
    result.reserve(sizeof(PeakHeader) + blocks * sizeof(PeakEntry));
    result_host.reserve(sizeof(PeakHeader) + blocks * sizeof(PeakEntry));
  }

  long long blocks() const { return samples / p.hop_len(); }
  long long frames() const { return std::max(0LL, blocks() - p.frame_hops() + 1); }
  PeakHeader* header_dev() const { return reinterpret_cast<PeakHeader*>(result.data()); }
  PeakEntry* peaks_dev() const { return reinterpret_cast<PeakEntry*>(result.data() + sizeof(PeakHeader)); }
  std::size_t prefix_bytes() const {
    return sizeof(PeakHeader) + static_cast<std::size_t>(std::min(frames(), kPeakPrefix)) * sizeof(PeakEntry);
  }

  void enqueue_copy_in(std::span<const float> x, bool from_user) {
    char* host = reinterpret_cast<char*>(staging.data());
    char* dev = reinterpret_cast<char*>(signal.data());
    const auto dma = [&](std::size_t off, std::size_t len) {
      HYPED_CUDA_CHECK(cudaMemcpyAsync(dev + off, host + off, len, cudaMemcpyHostToDevice, stream.get()));
    };
    if (from_user) {
      copy_to_staging(host, x.data(), x.size_bytes(), kStagingChunkBytes, dma);
      return;
    }
    for (std::size_t off = 0; off < x.size_bytes(); off += kStagingChunkBytes)
      dma(off, std::min(kStagingChunkBytes, x.size_bytes() - off));
  }

  void enqueue_energy() {
    const long long b = blocks();
    if (b == 0) return;
    const int hop = p.hop_len();
    if (hop % 4 == 0)
      block_energy_kernel<true>
          <<<static_cast<unsigned>(b), kEnergyThreads, 0, stream.get()>>>(signal.data(), hop, sumsq.data());
    else
      block_energy_kernel<false>
          <<<static_cast<unsigned>(b), kEnergyThreads, 0, stream.get()>>>(signal.data(), hop, sumsq.data());
    HYPED_CUDA_CHECK_LAUNCH();
  }

  void enqueue_frame_rms() {
    const long long f = frames();
    if (f == 0) return;
    frame_rms_kernel<<<static_cast<unsigned>((f + 255) / 256), 256, 0, stream.get()>>>(sumsq.data(), f, p.frame_hops(),
                                                                                       p.frame_len(), rms.data());
    HYPED_CUDA_CHECK_LAUNCH();
  }

  void enqueue_peaks(double peak_z) {
    zscore_peaks_kernel<<<1, kPeakThreads, 0, stream.get()>>>(sumsq.data(), frames(), p.frame_hops(), p.frame_len(),
                                                              p.z_eps, static_cast<float>(peak_z), rms.data(),
                                                              header_dev(), peaks_dev());
    HYPED_CUDA_CHECK_LAUNCH();
    HYPED_CUDA_CHECK(
        cudaMemcpyAsync(result_host.data(), result.data(), prefix_bytes(), cudaMemcpyDeviceToHost, stream.get()));
  }

  // After the wait: unpack the header and peaks; a list longer than the prefix needs one more copy.
  WholeFilePeaks collect() {
    PeakHeader h{};
    std::memcpy(&h, result_host.data(), sizeof h);
    if (h.count > kPeakPrefix) {
      HYPED_CUDA_CHECK(cudaMemcpyAsync(result_host.data(), result.data(),
                                       sizeof(PeakHeader) + static_cast<std::size_t>(h.count) * sizeof(PeakEntry),
                                       cudaMemcpyDeviceToHost, stream.get()));
      HYPED_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    }
    WholeFilePeaks r;
    r.frames = h.frames;
    r.mean_rms = h.mean;
    r.std_rms = h.std;
    r.frame.resize(static_cast<std::size_t>(h.count));
    r.z.resize(static_cast<std::size_t>(h.count));
    const auto* e = reinterpret_cast<const PeakEntry*>(result_host.data() + sizeof(PeakHeader));
    for (std::size_t i = 0; i < r.frame.size(); ++i) {
      r.frame[i] = e[i].frame;
      r.z[i] = e[i].z;
    }
    return r;
  }

  DetectorParams p;
  long long capacity;
  long long samples = 0;
  Stream stream;
  PinnedArray<float> staging;
  DeviceArray<float> signal;
  DeviceArray<double> sumsq;
  DeviceArray<float> rms;
  DeviceArray<unsigned char> result;
  PinnedArray<unsigned char> result_host;
};

CudaWholeFile::CudaWholeFile(const DetectorParams& p, long long max_samples)
    : impl_(std::make_unique<Impl>(p, max_samples)) {}
CudaWholeFile::~CudaWholeFile() = default;

long long CudaWholeFile::samples() const { return impl_->samples; }

void CudaWholeFile::upload(std::span<const float> x) {
  if (static_cast<long long>(x.size()) > impl_->capacity) throw std::invalid_argument("CudaWholeFile: signal too long");
  impl_->samples = static_cast<long long>(x.size());
  impl_->enqueue_copy_in(x, true);
  HYPED_CUDA_CHECK(cudaStreamSynchronize(impl_->stream.get()));
}

WholeFilePeaks CudaWholeFile::analyse(double peak_z) {
  impl_->enqueue_energy();
  impl_->enqueue_peaks(peak_z);
  HYPED_CUDA_CHECK(cudaStreamSynchronize(impl_->stream.get()));
  return impl_->collect();
}

std::vector<float> CudaWholeFile::frame_rms() {
  std::vector<float> out(static_cast<std::size_t>(impl_->frames()));
  HYPED_CUDA_CHECK(cudaMemcpyAsync(out.data(), impl_->rms.data(), out.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                   impl_->stream.get()));
  HYPED_CUDA_CHECK(cudaStreamSynchronize(impl_->stream.get()));
  return out;
}

OpTiming CudaWholeFile::time_upload(std::span<const float> x, int reps) {
  if (static_cast<long long>(x.size()) > impl_->capacity) throw std::invalid_argument("CudaWholeFile: signal too long");
  impl_->samples = static_cast<long long>(x.size());
  return time_op(impl_->stream.get(), reps, [&] { impl_->enqueue_copy_in(x, true); });
}

OpTiming CudaWholeFile::time_upload_pinned(int reps) {
  const std::span<const float> x(impl_->staging.data(), static_cast<std::size_t>(impl_->samples));
  return time_op(impl_->stream.get(), reps, [&] { impl_->enqueue_copy_in(x, false); });
}

OpTiming CudaWholeFile::time_rms(int reps) {
  return time_op(impl_->stream.get(), reps, [&] {
    impl_->enqueue_energy();
    impl_->enqueue_frame_rms();
  });
}

OpTiming CudaWholeFile::time_zscore_peaks(double peak_z, int reps) {
  impl_->enqueue_energy();  // the sums this row starts from
  return time_op(
      impl_->stream.get(), reps, [&] { impl_->enqueue_peaks(peak_z); }, [&] { impl_->collect(); });
}

OpTiming CudaWholeFile::time_pipeline(double peak_z, int reps) {
  return time_op(
      impl_->stream.get(), reps,
      [&] {
        impl_->enqueue_energy();
        impl_->enqueue_peaks(peak_z);
      },
      [&] { impl_->collect(); });
}

}  // namespace hyped
