// Finds out whether the current CUDA device can run this build's kernels, and describes it.
#pragma once

#include "gpu/backend.hpp"

namespace hyped::cuda {

// usable=false with the reason (no driver, no device, no kernel image for its architecture);
// usable=true with a one-line description of the device.
CudaAvailability probe_device();

// Throws std::runtime_error("<what>: <reason>") when no device is usable.
void require_device(const char* what);

}  // namespace hyped::cuda
