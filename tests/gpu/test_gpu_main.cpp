// Entry point of the GPU tests: without a usable CUDA device they report SKIPPED with the reason and
// exit 77 (ctest's SKIP_RETURN_CODE), so a machine without a GPU never counts them as passed.
// HYPED_REQUIRE_GPU=1 turns the skip into a failure, for runs that are meant to exercise the GPU.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gpu/backend.hpp"

int main(int argc, char** argv) {
  const hyped::CudaAvailability cuda = hyped::cuda_availability();
  if (!cuda.usable) {
    const char* require = std::getenv("HYPED_REQUIRE_GPU");
    const bool required = require && std::strcmp(require, "1") == 0;
    std::printf("%s: %s\n", required ? "FAILED (HYPED_REQUIRE_GPU=1)" : "SKIPPED", cuda.reason.c_str());
    return required ? 1 : 77;
  }
  std::printf("CUDA device: %s\n", cuda.reason.c_str());
  doctest::Context context(argc, argv);
  return context.run();
}
