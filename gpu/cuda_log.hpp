// Logging for the .cu files, which cannot include spdlog (fmt's consteval format strings do not
// compile under nvcc); the implementation is plain C++.
#pragma once

#include <string>

namespace hyped::cuda {

void log_warning(const std::string& message);

}  // namespace hyped::cuda
