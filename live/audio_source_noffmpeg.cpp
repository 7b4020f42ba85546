// open_audio for builds without FFmpeg: WAV and raw f32le only.
#include "live/audio_source.hpp"
#include "live/pcm_file_source.hpp"

namespace hyped {

bool have_ffmpeg() { return false; }

std::unique_ptr<AudioSource> open_audio(const std::string& path, int sample_rate_hz) {
  return open_pcm_file(path, sample_rate_hz);
}

}  // namespace hyped
