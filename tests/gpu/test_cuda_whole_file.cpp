// The device-resident whole-file path against the seed's batch formulas computed on the CPU:
// unfold RMS, torch.mean / torch.std (n − 1), z = (e − mean)/(std + 1e−8), peaks where z > 1.5.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/chat_series.hpp"
#include "gpu/cuda_ops.hpp"
#include "gpu_test_signals.hpp"
#include "parity_check.hpp"

using namespace hyped;

namespace {

struct SeedPeaks {
  std::vector<double> rms, z;
  double mean = 0, std = 0;
};

SeedPeaks seed_batch(const DetectorParams& p, const std::vector<float>& x) {
  SeedPeaks s;
  const long long frame = p.frame_len(), hop = p.hop_len();
  const long long n =
      static_cast<long long>(x.size()) < frame ? 0 : (static_cast<long long>(x.size()) - frame) / hop + 1;
  for (long long i = 0; i < n; ++i) {
    double ss = 0;
    for (long long j = 0; j < frame; ++j)
      ss += static_cast<double>(x[static_cast<std::size_t>(i * hop + j)]) * x[static_cast<std::size_t>(i * hop + j)];
    s.rms.push_back(static_cast<float>(std::sqrt(ss / static_cast<double>(frame))));
  }
  for (double r : s.rms) s.mean += r;
  s.mean /= static_cast<double>(s.rms.size());
  double ss = 0;
  for (double r : s.rms) ss += (r - s.mean) * (r - s.mean);
  s.std = std::sqrt(ss / static_cast<double>(s.rms.size() - 1));
  for (double r : s.rms) s.z.push_back((r - s.mean) / (s.std + p.z_eps));
  return s;
}

std::vector<float> synth(const DetectorParams& p, long long samples) {
  test::SyntheticStreams input;
  std::vector<float> x(static_cast<std::size_t>(samples));
  for (long long i = 0; i < samples; ++i) x[static_cast<std::size_t>(i)] = input.sample(0, i, p.sample_rate_hz);
  return x;
}

}  // namespace

TEST_CASE("whole-file RMS, statistics, z and peaks on the device match the seed's batch formulas") {
  const DetectorParams p;
  const double peak_z = 1.5;
  const auto x = synth(p, 20LL * 60 * p.sample_rate_hz + 4321);  // 20 min and a partial hop, dropped as unfold does
  const SeedPeaks ref = seed_batch(p, x);
  CudaWholeFile dev(p, static_cast<long long>(x.size()));
  dev.upload(x);
  const WholeFilePeaks got = dev.analyse(peak_z);
  const std::vector<float> rms = dev.frame_rms();
  REQUIRE(got.frames == static_cast<long long>(ref.rms.size()));
  REQUIRE(rms.size() == ref.rms.size());
  double worst = 0;
  for (std::size_t i = 0; i < rms.size(); ++i) worst = std::max(worst, test::scaled_error(rms[i], ref.rms[i]));
  MESSAGE("whole file: " << rms.size() << " frames, worst scaled RMS error " << worst << ", " << got.frame.size()
                         << " peaks");
  CHECK(worst <= 1e-6);
  CHECK(test::scaled_error(got.mean_rms, ref.mean) <= 1e-6);
  CHECK(test::scaled_error(got.std_rms, ref.std) <= 1e-6);
  // the same peak list, except where a z sits within rounding of the threshold
  std::vector<long long> expected;
  for (std::size_t i = 0; i < ref.z.size(); ++i)
    if (ref.z[i] > peak_z) expected.push_back(static_cast<long long>(i));
  CHECK(!expected.empty());
  std::size_t a = 0, b = 0;
  while (a < expected.size() || b < got.frame.size()) {
    const long long fa = a < expected.size() ? expected[a] : -1, fb = b < got.frame.size() ? got.frame[b] : -1;
    if (fa == fb) {
      CHECK(test::scaled_error(got.z[b], ref.z[static_cast<std::size_t>(fa)]) <= test::kParityTol);
      ++a, ++b;
      continue;
    }
    const long long only = (fb < 0 || (fa >= 0 && fa < fb)) ? fa : fb;
    INFO("frame " << only << " is a peak on one side only, z " << ref.z[static_cast<std::size_t>(only)]);
    CHECK(std::abs(ref.z[static_cast<std::size_t>(only)] - peak_z) < 1e-4);
    (only == fa ? a : b)++;
  }
}

TEST_CASE("whole-file peak lists longer than the first copy come back whole") {
  const DetectorParams p;
  const auto x = synth(p, 45LL * 60 * p.sample_rate_hz);  // 5399 frames, above the 2048 copied with the header
  CudaWholeFile dev(p, static_cast<long long>(x.size()));
  dev.upload(x);
  const WholeFilePeaks all = dev.analyse(-1e9);  // every frame is a "peak"
  REQUIRE(all.frames == 5399);
  REQUIRE(all.frame.size() == 5399);
  for (std::size_t i = 0; i < all.frame.size(); ++i) REQUIRE(all.frame[i] == static_cast<long long>(i));
}

TEST_CASE("the profiler's device timers run and the chat smoothing equals smooth_box_centred") {
  std::vector<float> counts(7200);
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = static_cast<float>((i * 7919) % 13) * 0.5f;
  std::vector<float> got;
  const OpTiming t = cuda_time_box_smoothing(counts, 10, 5, &got);
  CHECK(t.gpu_ms > 0);
  CHECK(t.wall_ms >= t.gpu_ms * 0.5);
  CHECK(got == smooth_box_centred(counts, 10));
  const OpTiming s = cuda_time_sqrt_square(1 << 20, 5);
  CHECK(s.gpu_ms > 0);
}
