#include "app/wav_recorder.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace hyped {

WavRecorder::WavRecorder(const std::string& path, int rate) : path_(path), rate_(rate), out_(path, std::ios::binary) {
  if (!out_) throw std::runtime_error("cannot write '" + path + "'");
  write_header();
}

WavRecorder::~WavRecorder() {
  write_header();
  out_.flush();
}

void WavRecorder::write(std::span<const float> s) {
  out_.write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size() * sizeof(float)));
  samples_ += s.size();
  if (samples_ - last_header_ >= static_cast<std::size_t>(rate_) * 10) write_header();
}

void WavRecorder::write_header() {
  const auto put32 = [](char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  const auto put16 = [](char* p, std::uint16_t v) {
    p[0] = static_cast<char>(v & 0xff);
    p[1] = static_cast<char>(v >> 8);
  };
  const auto data_bytes = static_cast<std::uint32_t>(std::min<std::size_t>(samples_ * 4, 0xFFFFFFF0u - 36));
  char h[44] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' '};
  put32(h + 4, 36 + data_bytes);
  put32(h + 16, 16);
  put16(h + 20, 3);  // IEEE float
  put16(h + 22, 1);
  put32(h + 24, static_cast<std::uint32_t>(rate_));
  put32(h + 28, static_cast<std::uint32_t>(rate_) * 4);
  put16(h + 32, 4);
  put16(h + 34, 32);
  std::memcpy(h + 36, "data", 4);
  put32(h + 40, data_bytes);
  const auto pos = out_.tellp();
  out_.seekp(0);
  out_.write(h, sizeof h);
  if (samples_ > 0) out_.seekp(pos);
  out_.flush();
  last_header_ = samples_;
}

}  // namespace hyped
