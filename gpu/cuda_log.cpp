#include "gpu/cuda_log.hpp"

#include <spdlog/spdlog.h>

namespace hyped::cuda {

void log_warning(const std::string& message) { spdlog::warn("cuda: {}", message); }

}  // namespace hyped::cuda
