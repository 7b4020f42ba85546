// `hyped live` in builds without FFmpeg: HLS segments need it, so the command explains and fails.
#include <stdexcept>

#include "app/live_command.hpp"

namespace hyped {

int run_live(const LiveOptions&) {
  throw std::runtime_error("hyped live needs FFmpeg to decode stream segments; this build has HYPED_FFMPEG=OFF");
}

}  // namespace hyped
