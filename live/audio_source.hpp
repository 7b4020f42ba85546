// Decoded audio, streamed: any media FFmpeg opens (or WAV / raw f32le without it), resampled to the
// detector's rate, mono float, read chunk by chunk so no file is ever held in memory.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace hyped {

struct MediaInfo {
  std::string path;
  std::string container;   // "mov,mp4,m4a,3gp,3g2,mj2", "wav", "f32le"
  std::string codec;       // "aac", "opus", "pcm_s16le"
  int source_rate_hz = 0;
  int source_channels = 0;
  double duration_s = -1;  // < 0 when the container does not say
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual const MediaInfo& info() const = 0;
  // Fills `out` with up to out.size() samples and returns how many; 0 only at the end of the media.
  // Damaged packets are skipped and counted; an unreadable stream throws std::runtime_error.
  virtual std::size_t read(std::span<float> out) = 0;
  // Packets that could not be decoded and were skipped.
  virtual long long skipped_packets() const { return 0; }
};

// Opens `path` and decodes its best audio stream to `sample_rate_hz` mono float.
// Throws std::runtime_error "cannot open 'path': reason" (or "'path' has no audio stream").
std::unique_ptr<AudioSource> open_audio(const std::string& path, int sample_rate_hz);

// Whether this build decodes with FFmpeg.
bool have_ffmpeg();

}  // namespace hyped
