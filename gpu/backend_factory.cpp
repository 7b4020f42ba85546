// Chooses the backend: CUDA when asked for or when auto finds a usable device, else the CPU reference.
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "gpu/backend.hpp"

namespace hyped {

BackendKind parse_backend_kind(const std::string& s) {
  if (s == "auto") return BackendKind::Auto;
  if (s == "cpu") return BackendKind::Cpu;
  if (s == "cuda") return BackendKind::Cuda;
  throw std::invalid_argument("unknown backend '" + s + "' (expected auto, cpu or cuda)");
}

std::unique_ptr<Backend> make_backend(BackendKind kind, const DetectorParams& p, int channels) {
  switch (kind) {
    case BackendKind::Cpu:
      return make_cpu_backend(p, channels);
    case BackendKind::Cuda:
      return make_cuda_backend(p, channels);
    case BackendKind::Auto:
      break;
  }
  const CudaAvailability cuda = cuda_availability();
  if (cuda.usable) {
    spdlog::info("backend: cuda ({})", cuda.reason);
    return make_cuda_backend(p, channels);
  }
  spdlog::info("backend: cpu (cuda not usable: {})", cuda.reason);
  return make_cpu_backend(p, channels);
}

}  // namespace hyped
