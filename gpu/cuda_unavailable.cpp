// Stands in for the CUDA backend and the device-resident operations in builds without CUDA, so
// `--backend cuda` and `hyped profile --device cuda` fail with the reason instead of a link error.
#include <stdexcept>

#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"
#include "gpu/cuda_ops.hpp"

namespace hyped {

namespace {
[[noreturn]] void unavailable(const std::string& what) {
  throw std::runtime_error(what + ": " + cuda_availability().reason);
}
}  // namespace

CudaAvailability cuda_availability() {
  return {false, "this build has no CUDA support (built with HYPED_CUDA=OFF or without nvcc)"};
}

std::unique_ptr<Backend> make_cuda_backend(const DetectorParams&, int) { unavailable("--backend cuda"); }

CudaBackendExtras* cuda_extras(Backend&) { return nullptr; }

struct CudaWholeFile::Impl {};
CudaWholeFile::CudaWholeFile(const DetectorParams&, long long) { unavailable("whole-file analysis on CUDA"); }
CudaWholeFile::~CudaWholeFile() = default;
void CudaWholeFile::upload(std::span<const float>) { unavailable("CudaWholeFile"); }
WholeFilePeaks CudaWholeFile::analyse(double) { unavailable("CudaWholeFile"); }
std::vector<float> CudaWholeFile::frame_rms() { unavailable("CudaWholeFile"); }
OpTiming CudaWholeFile::time_upload(std::span<const float>, int) { unavailable("CudaWholeFile"); }
OpTiming CudaWholeFile::time_upload_pinned(int) { unavailable("CudaWholeFile"); }
OpTiming CudaWholeFile::time_rms(int) { unavailable("CudaWholeFile"); }
OpTiming CudaWholeFile::time_zscore_peaks(double, int) { unavailable("CudaWholeFile"); }
OpTiming CudaWholeFile::time_pipeline(double, int) { unavailable("CudaWholeFile"); }
long long CudaWholeFile::samples() const { return 0; }

OpTiming cuda_time_sqrt_square(std::size_t, int) { unavailable("sqrt(square) on CUDA"); }
OpTiming cuda_time_box_smoothing(std::span<const float>, int, int, std::vector<float>*) {
  unavailable("chat smoothing on CUDA");
}

}  // namespace hyped
