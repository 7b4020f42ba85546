// Stands in for the CUDA backend in builds without CUDA, so `--backend cuda` fails with the reason.
#include <stdexcept>

#include "gpu/backend.hpp"

namespace hyped {

CudaAvailability cuda_availability() { return {false, "this build has no CUDA support (built with HYPED_CUDA=OFF or without nvcc)"}; }

std::unique_ptr<Backend> make_cuda_backend(const DetectorParams&, int) {
  throw std::runtime_error("--backend cuda: " + cuda_availability().reason);
}

}  // namespace hyped
