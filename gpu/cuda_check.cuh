// One way to check every CUDA runtime and cuFFT result: HYPED_CUDA_CHECK throws std::runtime_error
// naming the call, the file and line, and the library's own error text.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

namespace hyped::cuda {

[[noreturn]] void throw_error(const char* call, const char* file, int line, const std::string& error);
const char* cufft_error_name(cufftResult r);

inline void check(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess) throw_error(call, file, line, std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e));
}

inline void check(cufftResult r, const char* call, const char* file, int line) {
  if (r != CUFFT_SUCCESS) throw_error(call, file, line, cufft_error_name(r));
}

}  // namespace hyped::cuda

#define HYPED_CUDA_CHECK(call) ::hyped::cuda::check((call), #call, __FILE__, __LINE__)
// A kernel launch reports bad configurations only through the last-error slot; this reads it without a sync.
#define HYPED_CUDA_CHECK_LAUNCH() HYPED_CUDA_CHECK(cudaGetLastError())
