// Mono 32-bit float WAV that `hyped replay` reads back, written as audio arrives. The header's sizes are
// rewritten every few seconds, so a killed session still leaves a readable file.
#pragma once

#include <cstddef>
#include <fstream>
#include <span>
#include <string>

namespace hyped {

class WavRecorder {
 public:
  WavRecorder(const std::string& path, int rate);  // throws std::runtime_error when it cannot write
  ~WavRecorder();
  void write(std::span<const float> s);
  const std::string& path() const { return path_; }

 private:
  void write_header();

  std::string path_;
  int rate_;
  std::ofstream out_;
  std::size_t samples_ = 0, last_header_ = 0;
};

}  // namespace hyped
