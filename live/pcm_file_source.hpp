// Reader for files that need no codec: RIFF WAV (PCM 16/24/32-bit integer or 32-bit float) and raw
// 32-bit float little-endian mono (.f32 / .f32le / .raw) at the detector's rate.
#pragma once

#include <memory>
#include <string>

#include "live/audio_source.hpp"

namespace hyped {

bool is_raw_f32_path(const std::string& path);
std::unique_ptr<AudioSource> open_pcm_file(const std::string& path, int sample_rate_hz);

}  // namespace hyped
