#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "report/timeline.hpp"

using namespace hyped;

namespace {

constexpr double kHop = 0.5;

double frame_time(long long i) { return static_cast<double>(i) * kHop + 0.5; }

HopFeatures quiet(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  HopFeatures f;
  f.z_audio = u(rng);
  f.z_chat = u(rng);
  f.chat_rate = 2 + u(rng);
  f.score = std::max(0.0f, f.z_audio) + std::max(0.0f, f.z_chat);
  return f;
}

}  // namespace

TEST_CASE("a short broadcast keeps one frame per bucket, every value exact") {
  TimelineBucketer tl(64);
  std::mt19937 rng(1);
  std::vector<HopFeatures> frames;
  for (int i = 0; i < 100; ++i) {
    frames.push_back(quiet(rng));
    tl.push(frame_time(i), frames.back(), 2.0 + i * 0.01);
  }
  REQUIRE(tl.buckets().size() == 100);
  CHECK(tl.frames_per_bucket() == 1);
  for (int i = 0; i < 100; ++i) {
    const TimelineBucket& b = tl.buckets()[static_cast<std::size_t>(i)];
    CHECK(b.frames == 1);
    CHECK(b.start_s == frame_time(i));
    CHECK(b.peak_s == frame_time(i));
    CHECK(value_of(b.at_peak, Signal::Score) == frames[static_cast<std::size_t>(i)].score);
    CHECK(value_of(b.lo, Signal::ZChat) == value_of(b.hi, Signal::ZChat));
    CHECK(value_of(b.at_peak, Signal::Threshold) == doctest::Approx(2.0 + i * 0.01));
  }
}

TEST_CASE("decimation keeps every peak and dip of a 10 h broadcast in bounded buckets") {
  constexpr std::size_t kMin = 1024;
  constexpr long long kFrames = 72000;  // 10 h at 0.5 s
  TimelineBucketer tl(kMin);
  std::mt19937 rng(2);
  // Single-frame extremes a plain average would smear away.
  const long long spike = 41234, dip = 9999, rate_spike = 71999;
  for (long long i = 0; i < kFrames; ++i) {
    HopFeatures f = quiet(rng);
    if (i == spike) f.score = 50, f.z_audio = 9;
    if (i == dip) f.z_chat = -7;
    if (i == rate_spike) f.chat_rate = 80;
    tl.push(frame_time(i), f, i < 36000 ? 4.5 : 6.0);
    REQUIRE(tl.buckets().size() <= 2 * kMin);  // constant memory all along
  }
  const auto& b = tl.buckets();
  CHECK(b.size() >= kMin);
  CHECK(tl.frames() == kFrames);
  long long frames = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    frames += b[i].frames;
    if (i + 1 < b.size()) {
      CHECK(b[i].frames == tl.frames_per_bucket());
      CHECK(b[i + 1].start_s == doctest::Approx(b[i].end_s + kHop));  // no gaps, no overlaps
    }
  }
  CHECK(frames == kFrames);

  const auto holding = [&](long long frame) {
    const double t = frame_time(frame);
    return *std::find_if(b.begin(), b.end(), [t](const TimelineBucket& x) { return x.start_s <= t && t <= x.end_s; });
  };
  const TimelineBucket& s = holding(spike);
  CHECK(value_of(s.hi, Signal::Score) == 50);
  CHECK(value_of(s.hi, Signal::ZAudio) == 9);
  CHECK(s.peak_s == frame_time(spike));  // the readout snapshot is the spike's own frame
  CHECK(value_of(s.at_peak, Signal::ZAudio) == 9);
  CHECK(value_of(holding(dip).lo, Signal::ZChat) == -7);
  CHECK(value_of(b.back().hi, Signal::ChatRate) == 80);
  // The threshold's step shows in the bucket that straddles it.
  const TimelineBucket& step = holding(36000);
  CHECK(value_of(step.hi, Signal::Threshold) == 6.0f);
  CHECK(value_of(b.front().hi, Signal::Threshold) == 4.5f);
}
