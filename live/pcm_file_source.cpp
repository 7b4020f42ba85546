#include "live/pcm_file_source.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace hyped {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error("cannot open '" + path + "': " + why);
}

std::uint32_t le32(const unsigned char* b) { return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24); }
std::uint16_t le16(const unsigned char* b) { return static_cast<std::uint16_t>(b[0] | (b[1] << 8)); }

class PcmFileSource final : public AudioSource {
 public:
  enum class Encoding { Int16, Int24, Int32, Float32 };

  PcmFileSource(std::ifstream in, MediaInfo info, Encoding enc, std::uint64_t data_bytes)
      : in_(std::move(in)), info_(std::move(info)), enc_(enc), remaining_(data_bytes) {}

  const MediaInfo& info() const override { return info_; }

  std::size_t read(std::span<float> out) override {
    const auto ch = static_cast<std::size_t>(info_.source_channels);
    const std::size_t width = enc_ == Encoding::Int16 ? 2 : enc_ == Encoding::Int24 ? 3 : 4;
    const std::size_t frame_bytes = width * ch;
    std::size_t frames = std::min<std::uint64_t>(out.size(), remaining_ / frame_bytes);
    raw_.resize(frames * frame_bytes);
    in_.read(reinterpret_cast<char*>(raw_.data()), static_cast<std::streamsize>(raw_.size()));
    frames = static_cast<std::size_t>(in_.gcount()) / frame_bytes;  // a short file ends early
    remaining_ = frames == 0 ? 0 : remaining_ - frames * frame_bytes;
    for (std::size_t f = 0; f < frames; ++f) {
      double sum = 0;
      for (std::size_t c = 0; c < ch; ++c) sum += sample(&raw_[(f * ch + c) * width]);
      out[f] = static_cast<float>(sum / static_cast<double>(ch));  // downmix: mean of channels
    }
    return frames;
  }

 private:
  double sample(const unsigned char* b) const {
    switch (enc_) {
      case Encoding::Int16:
        return static_cast<std::int16_t>(le16(b)) / 32768.0;
      case Encoding::Int24: {
        std::int32_t v = b[0] | (b[1] << 8) | (b[2] << 16);
        if (v & 0x800000) v -= 0x1000000;
        return v / 8388608.0;
      }
      case Encoding::Int32:
        return static_cast<std::int32_t>(le32(b)) / 2147483648.0;
      case Encoding::Float32: {
        float f;
        std::uint32_t u = le32(b);
        std::memcpy(&f, &u, 4);
        return f;
      }
    }
    return 0;
  }

  std::ifstream in_;
  MediaInfo info_;
  Encoding enc_;
  std::uint64_t remaining_;
  std::vector<unsigned char> raw_;
};

}  // namespace

bool is_raw_f32_path(const std::string& path) {
  for (const char* ext : {".f32", ".f32le", ".raw"})
    if (path.size() > std::strlen(ext) && path.ends_with(ext)) return true;
  return false;
}

std::unique_ptr<AudioSource> open_pcm_file(const std::string& path, int sample_rate_hz) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (size == 0) fail(path, "the file is empty");
  MediaInfo info;
  info.path = path;
  if (is_raw_f32_path(path)) {
    info.container = "f32le";
    info.codec = "pcm_f32le";
    info.source_rate_hz = sample_rate_hz;
    info.source_channels = 1;
    info.duration_s = static_cast<double>(size / 4) / sample_rate_hz;
    return std::make_unique<PcmFileSource>(std::move(in), info, PcmFileSource::Encoding::Float32, size - size % 4);
  }
  std::array<unsigned char, 12> riff{};
  in.read(reinterpret_cast<char*>(riff.data()), riff.size());
  if (!in || std::memcmp(riff.data(), "RIFF", 4) != 0 || std::memcmp(riff.data() + 8, "WAVE", 4) != 0)
    fail(path, have_ffmpeg() ? "not a RIFF WAV file" : "not a RIFF WAV file (this build has no FFmpeg: WAV and raw f32le only)");
  int format = -1, channels = 0, rate = 0, bits = 0;
  for (;;) {
    std::array<unsigned char, 8> hdr{};
    in.read(reinterpret_cast<char*>(hdr.data()), hdr.size());
    if (!in) fail(path, "WAV file has no data chunk");
    const std::uint32_t len = le32(hdr.data() + 4);
    if (std::memcmp(hdr.data(), "fmt ", 4) == 0) {
      std::vector<unsigned char> fmt(std::max<std::uint32_t>(len, 16));
      in.read(reinterpret_cast<char*>(fmt.data()), len);
      if (!in || len < 16) fail(path, "WAV fmt chunk is truncated");
      format = le16(fmt.data());
      channels = le16(fmt.data() + 2);
      rate = static_cast<int>(le32(fmt.data() + 4));
      bits = le16(fmt.data() + 14);
      if (format == 0xFFFE && len >= 26) format = le16(fmt.data() + 24);  // WAVE_FORMAT_EXTENSIBLE sub-format
      if (len % 2) in.ignore(1);
    } else if (std::memcmp(hdr.data(), "data", 4) == 0) {
      if (format < 0) fail(path, "WAV data chunk comes before its fmt chunk");
      PcmFileSource::Encoding enc;
      if (format == 1 && bits == 16) enc = PcmFileSource::Encoding::Int16;
      else if (format == 1 && bits == 24) enc = PcmFileSource::Encoding::Int24;
      else if (format == 1 && bits == 32) enc = PcmFileSource::Encoding::Int32;
      else if (format == 3 && bits == 32) enc = PcmFileSource::Encoding::Float32;
      else fail(path, "unsupported WAV encoding (format " + std::to_string(format) + ", " + std::to_string(bits) + " bits)");
      if (channels < 1) fail(path, "WAV file has no channels");
      if (rate != sample_rate_hz)
        fail(path, "WAV sample rate is " + std::to_string(rate) + " Hz; without FFmpeg only " +
                       std::to_string(sample_rate_hz) + " Hz is read");
      const std::uint64_t data_pos = static_cast<std::uint64_t>(in.tellg());
      const std::uint64_t data_bytes = std::min<std::uint64_t>(len, size - data_pos);  // tolerate a truncated file
      info.container = "wav";
      info.codec = format == 3 ? "pcm_f32le" : "pcm_s" + std::to_string(bits) + "le";
      info.source_rate_hz = rate;
      info.source_channels = channels;
      info.duration_s = static_cast<double>(data_bytes) / (channels * (bits / 8)) / rate;
      return std::make_unique<PcmFileSource>(std::move(in), info, enc, data_bytes);
    } else {
      in.seekg(len + (len % 2), std::ios::cur);
    }
  }
}

}  // namespace hyped
