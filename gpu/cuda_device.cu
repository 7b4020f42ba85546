#include <cuda_runtime.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "gpu/cuda_device.cuh"
#include "gpu/cuda_kernels.cuh"

namespace hyped::cuda {
namespace {

std::string error_text(cudaError_t e) { return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")"; }

}  // namespace

CudaAvailability probe_device() {
  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    cudaGetLastError();  // leave no sticky error behind for the CPU fallback
    return {false, "no CUDA device: cudaGetDeviceCount returned " + error_text(e)};
  }
  if (count == 0) return {false, "no CUDA device: cudaGetDeviceCount found none"};
  int dev = 0;
  cudaDeviceProp prop{};
  if (const cudaError_t e = cudaGetDevice(&dev); e != cudaSuccess) return {false, "cudaGetDevice: " + error_text(e)};
  if (const cudaError_t e = cudaGetDeviceProperties(&prop, dev); e != cudaSuccess)
    return {false, "cudaGetDeviceProperties: " + error_text(e)};
  char arch[32];
  std::snprintf(arch, sizeof arch, "sm_%d%d", prop.major, prop.minor);
  if (const cudaError_t e = probe_kernel_image(); e != cudaSuccess) {
    cudaGetLastError();
    return {false, std::string(prop.name) + " (" + arch + ") cannot run this build's kernels: " + error_text(e) +
                       "; rebuild with CMAKE_CUDA_ARCHITECTURES including " +
                       std::to_string(prop.major * 10 + prop.minor)};
  }
  char gib[32];
  std::snprintf(gib, sizeof gib, "%.1f GiB", static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return {true, std::string(prop.name) + " (" + arch + ", " + std::to_string(prop.multiProcessorCount) + " SMs, " +
                    gib + ")"};
}

void require_device(const char* what) {
  const CudaAvailability a = probe_device();
  if (!a.usable) throw std::runtime_error(std::string(what) + ": " + a.reason);
}

}  // namespace hyped::cuda
