// CPU-vs-CUDA comparison of per-hop features and highlights.
//
// Tolerance: |cpu − cuda| ≤ 1e−4 · max(1, |cpu|, |cuda|) + (for z and score) the rounding the z
// inherits from its feature.
//
// The backends use different FFTs (KissFFT vs cuFFT) and summation orders (sequential vs tree), so raw
// features differ by up to ~2e−7 relative (measured on an H100). Relative 1e−4 leaves a wide margin
// for them and for anything computed from them at ordinary conditioning. Values near zero carry the
// rounding of the larger terms they came from, so only an absolute bound means anything there: 1e−4
// is far below any threshold the detector compares with (reason_z 1.5, threshold 2.0).
//
// A z-score divides (x − mean) by (max(std, floor) + 1e−8), so the features' rounding reaches the z
// amplified by |x| / that denominator. Where the spread is tiny that is huge: the second frame of a
// stream has variance 0, and flux and hf_ratio have no floor, so its z is (x₂ − x₁)/1e−8 (values near
// 1e7 made of amplified rounding), and the third frame divides by |x₂ − x₁|/2. The comparison therefore
// also allows, on each z, the error that a kFeatureRelErr relative error in every feature can cause
// through numerator and denominator (ZSlack, from the CPU features replayed through core's
// RunningStats), and the weighted sum of those on the score. kFeatureRelErr = 2e−6 is 10× the worst
// feature difference seen.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"
#include "core/running_stats.hpp"

namespace hyped::test {

constexpr double kParityTol = 1e-4;
constexpr double kFeatureRelErr = 2e-6;

inline double scaled_error(double a, double b) {
  const double scale = std::max({1.0, std::abs(a), std::abs(b)});
  return std::abs(a - b) / scale;
}

// The z conditioning of one channel's running statistics, replayed on the host from the CPU features.
class ZSlack {
 public:
  explicit ZSlack(const DetectorParams& p);
  // Slack for this frame's fields (call once per frame, in order).
  std::array<double, 9> next(const HopFeatures& cpu);

 private:
  DetectorParams p_;
  RunningStats audio_, audio_recent_, chat_, flux_, hf_;
  std::array<double, 4> max_{};  // largest |feature| so far
};

class ParityReport {
 public:
  static constexpr int kFields = 9;
  static const std::array<const char*, kFields> kNames;

  // slack[f]: absolute error allowed on top of the tolerance for field f (see above).
  void compare(const HopFeatures& cpu, const HopFeatures& cuda, const std::string& where,
               const std::array<double, kFields>& slack = {});
  long long mismatches() const { return mismatches_; }
  long long compared() const { return compared_; }
  const std::string& first_mismatch() const { return first_; }
  // One line: the largest scaled error of each field, and the largest left after the z slack.
  std::string summary() const;

 private:
  std::array<double, kFields> worst_{};  // raw scaled error per field
  double worst_left_ = 0;                // after the z slack: what the limit applies to
  long long mismatches_ = 0;
  long long compared_ = 0;
  std::string first_;
};

// Same highlights: count, frame times, reasons exactly; score and z within the tolerance. Returns the
// first difference, or an empty string.
std::string diff_highlights(const std::vector<Highlight>& cpu, const std::vector<Highlight>& cuda);

// What both backends are fed, tick by tick: [channels][hops · hop_len] samples and [channels][hops] chat
// from hop block `first_block` on, and the chat box history for prime_chat.
class TickInput {
 public:
  virtual ~TickInput() = default;
  virtual void fill(int channels, long long first_block, int hops, const DetectorParams& p, std::span<float> samples,
                    std::span<float> chat) const = 0;
  virtual std::vector<float> chat_history(int channels, const DetectorParams& p) const = 0;
};

// Runs the CPU and CUDA backends side by side over `total_hops` blocks in ticks of the given sizes
// (cycled) and checks, with doctest, every output entry, the running-mode highlights, and
// score_global with its highlights on each channel's series.
void check_tick_parity(const DetectorParams& p, int channels, long long total_hops, const std::vector<int>& ticks,
                       const TickInput& input);

}  // namespace hyped::test
