// The CUDA backend against the CPU reference on synthetic streams: every HopFeatures field of every
// hop, the highlights both produce, and score_global, for 1, 7 and 256 channels and mixed tick sizes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"
#include "gpu_test_signals.hpp"
#include "parity_check.hpp"

using namespace hyped;

namespace {

const std::vector<int> kMixedTicks = {1, 3, 17, 64, 64, 5, 1, 1, 17, 3, 64, 2};
const test::SyntheticStreams kInput{};

}  // namespace

TEST_CASE("CUDA matches the CPU reference: 1 channel, mixed tick sizes") {
  test::check_tick_parity(DetectorParams{}, 1, 900, kMixedTicks, kInput);
}

TEST_CASE("CUDA matches the CPU reference: 7 channels, mixed tick sizes") {
  test::check_tick_parity(DetectorParams{}, 7, 600, kMixedTicks, kInput);
}

TEST_CASE("CUDA matches the CPU reference: 256 channels, mixed tick sizes") {
  test::check_tick_parity(DetectorParams{}, 256, 240, {1, 3, 17, 64, 64, 1, 1, 17, 3}, kInput);
}

TEST_CASE("CUDA matches the CPU reference with other parameters: 3-hop frames, 512-point FFT, odd hop length") {
  DetectorParams p;
  p.sample_rate_hz = 11025;
  p.hop_s = 0.5;                // 5513 samples: odd, so the kernels take their scalar path
  p.frame_s = 11026.0 / 11025;  // 2 hops
  p.fft_size = 512;
  p.w_flux = 0.5;
  p.w_hf = 0.5;
  SUBCASE("odd hop length") { test::check_tick_parity(p, 3, 400, {7, 1, 1, 30}, kInput); }
  SUBCASE("three hops per frame") {
    DetectorParams q;
    q.hop_s = 0.25;
    q.frame_s = 0.75;
    q.fft_size = 512;
    q.chat_window_s = 3.0;
    test::check_tick_parity(q, 5, 800, {16, 16, 1, 9}, kInput);
  }
}

TEST_CASE("a CUDA graph replay gives the same bits as direct launches") {
  const DetectorParams p;
  const int channels = 9, hops = 4;
  auto direct = make_cuda_backend(p, channels);
  auto graphed = make_cuda_backend(p, channels);
  REQUIRE(cuda_extras(*direct) != nullptr);
  cuda_extras(*direct)->use_graphs(false);
  test::SyntheticStreams input;
  std::vector<float> samples(static_cast<std::size_t>(channels * hops * p.hop_len())), chat(channels * hops);
  std::vector<HopFeatures> a(channels * hops), b(channels * hops);
  for (int t = 0; t < 40; ++t) {  // repeated size: captured on the second tick, replayed after
    input.fill(channels, static_cast<long long>(t) * hops, hops, p, samples, chat);
    direct->tick(samples, chat, hops, a);
    graphed->tick(samples, chat, hops, b);
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(std::memcmp(&a[i], &b[i], sizeof(HopFeatures)) == 0);
  }
}

TEST_CASE("samples written into the pinned buffer, partly sent ahead, give the same results") {
  const DetectorParams p;
  const int channels = 4, hops = 3;
  auto copied = make_cuda_backend(p, channels);
  auto pinned = make_cuda_backend(p, channels);
  test::SyntheticStreams input;
  std::vector<float> samples(static_cast<std::size_t>(channels * hops * p.hop_len())), chat(channels * hops);
  std::vector<HopFeatures> a(channels * hops), b(channels * hops);
  for (int t = 0; t < 10; ++t) {
    input.fill(channels, static_cast<long long>(t) * hops, hops, p, samples, chat);
    std::span<float> staging = cuda_extras(*pinned)->pinned_samples(hops);
    REQUIRE(staging.size() == samples.size());
    std::copy(samples.begin(), samples.end(), staging.begin());
    // overlapping and gapped ranges sent ahead; the tick sends the rest
    const std::size_t n = staging.size();
    if (t % 3 == 1) cuda_extras(*pinned)->send_ahead(0, n / 3);
    if (t % 3 == 2) {
      cuda_extras(*pinned)->send_ahead(n / 2, n / 5);
      cuda_extras(*pinned)->send_ahead(n / 4, n / 2);
      cuda_extras(*pinned)->send_ahead(n - 7, 7);
    }
    copied->tick(samples, chat, hops, a);
    pinned->tick(staging, chat, hops, b);
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(std::memcmp(&a[i], &b[i], sizeof(HopFeatures)) == 0);
    CHECK(cuda_extras(*pinned)->last_tick_gpu_ms() > 0);
  }
}

TEST_CASE("a stream's first frame_hops - 1 entries are zero and their chat is ignored") {
  DetectorParams p;
  p.hop_s = 0.25;  // 4 hops per frame: 3 leading entries
  const int channels = 2, hops = 5;
  auto cuda = make_cuda_backend(p, channels);
  auto cpu = make_cpu_backend(p, channels);
  test::SyntheticStreams input;
  std::vector<float> samples(static_cast<std::size_t>(channels * hops * p.hop_len())), chat(channels * hops);
  input.fill(channels, 0, hops, p, samples, chat);
  for (int c = 0; c < channels; ++c)
    for (int h = 0; h < 3; ++h) chat[static_cast<std::size_t>(c * hops + h)] = 1000.0f;  // must not reach the box
  std::vector<HopFeatures> a(channels * hops), b(channels * hops, HopFeatures{1, 1, 1, 1, 1, 1, 1, 1, 1});
  cpu->tick(samples, chat, hops, a);
  cuda->tick(samples, chat, hops, b);
  for (int c = 0; c < channels; ++c) {
    for (int h = 0; h < 3; ++h) {
      const HopFeatures& f = b[static_cast<std::size_t>(c * hops + h)];
      CHECK(f.rms == 0.0f);
      CHECK(f.chat_rate == 0.0f);
      CHECK(f.score == 0.0f);
    }
    for (int h = 3; h < hops; ++h) {
      CHECK(b[static_cast<std::size_t>(c * hops + h)].chat_rate < 100.0f);
      CHECK(test::scaled_error(a[static_cast<std::size_t>(c * hops + h)].rms,
                               b[static_cast<std::size_t>(c * hops + h)].rms) <= test::kParityTol);
    }
  }
}

TEST_CASE("tick and prime_chat reject spans of the wrong size") {
  const DetectorParams p;
  auto cuda = make_cuda_backend(p, 2);
  std::vector<float> samples(static_cast<std::size_t>(2 * p.hop_len())), chat(2);
  std::vector<HopFeatures> out(2);
  CHECK_THROWS_AS(cuda->tick(samples, chat, 2, out), std::invalid_argument);
  CHECK_THROWS_AS(cuda->prime_chat(std::vector<float>(3)), std::invalid_argument);
  CHECK_NOTHROW(cuda->tick(samples, chat, 1, out));
  CHECK_THROWS_AS(cuda_extras(*cuda)->send_ahead(samples.size(), 1), std::out_of_range);
}
