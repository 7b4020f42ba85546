// Decoded frames of any layout, rate and sample format to mono float at the detector's rate. The
// resampler follows format changes mid-stream (re-opened after draining what the old one held).
#pragma once

#include <memory>
#include <vector>

struct AVFrame;

namespace hyped {

class MonoResampler {
 public:
  explicit MonoResampler(int rate_hz);
  ~MonoResampler();
  // Appends `frame` resampled to `out`; nullptr drains the resampler's delay line.
  // Throws std::runtime_error when FFmpeg cannot convert the format.
  void convert(const AVFrame* frame, std::vector<float>& out);
  void flush(std::vector<float>& out) { convert(nullptr, out); }
  // Forgets the current input format (after a discontinuity, without draining).
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
