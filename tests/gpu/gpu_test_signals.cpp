#include "gpu_test_signals.hpp"

#include <cmath>
#include <numbers>

namespace hyped::test {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: a counter-based generator
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double uniform(std::uint64_t key) { return static_cast<double>(mix(key) >> 11) * 0x1.0p-53; }

std::uint64_t key(std::uint64_t seed, int channel, long long i, std::uint64_t stream) {
  return mix(seed * 0x100000001b3ULL ^ (static_cast<std::uint64_t>(channel) << 40) ^ stream) ^
         static_cast<std::uint64_t>(i);
}

}  // namespace

namespace {

// The envelope and bursts change every 1/16 s; the noise every sample.
struct Segment {
  double amp;
  bool burst;
};

Segment segment_at(const SyntheticStreams& s, int channel, long long seg) {
  const double t = static_cast<double>(seg) / 16.0;
  const double phase = std::fmod(t + 11.0 * channel, s.burst_every_s);
  const bool burst = t > 20.0 && phase >= 60.0 && phase < 60.0 + s.burst_s;
  return {burst ? 0.5 : 0.05 * (1.0 + 0.3 * std::sin(2 * std::numbers::pi * t / (23.0 + channel % 5))), burst};
}

float sample_in(const SyntheticStreams& s, const Segment& seg, int channel, long long i, int rate_hz) {
  // one 64-bit draw gives four 16-bit uniforms whose centred sum is close to normal
  const std::uint64_t r = mix(key(s.seed, channel, i, 1));
  double g = 0;
  for (int k = 0; k < 4; ++k) g += static_cast<double>((r >> (16 * k)) & 0xffff) / 65536.0;
  g = (g - 2.0) * std::sqrt(3.0);
  double x = seg.amp * g;
  if (seg.burst) x += 0.2 * std::sin(2 * std::numbers::pi * 3000.0 * static_cast<double>(i) / rate_hz);
  return static_cast<float>(x);
}

long long segment_of(long long i, int rate_hz) { return i * 16 / rate_hz; }

}  // namespace

float SyntheticStreams::sample(int channel, long long i, int rate_hz) const {
  return sample_in(*this, segment_at(*this, channel, segment_of(i, rate_hz)), channel, i, rate_hz);
}

float SyntheticStreams::chat(int channel, long long block, const DetectorParams& p) const {
  const double t = static_cast<double>(block) * p.hop_s;
  const double u = uniform(key(seed, channel, block, 99));
  float count = u < 0.5 ? 0.0f : u < 0.8 ? 1.0f : u < 0.95 ? 2.0f : 3.5f;  // 3.5: a message with emotes
  const double phase = std::fmod(t + 11.0 * channel, burst_every_s);
  if (t > 20.0 && phase >= 61.0 && phase < 69.0) count += 6.0f;
  return count;
}

void SyntheticStreams::fill(int channels, long long first_block, int hops, const DetectorParams& p,
                            std::span<float> samples, std::span<float> chat_out) const {
  const long long hop = p.hop_len();
  for (int c = 0; c < channels; ++c) {
    float* dst = samples.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(hops * hop);
    const long long i0 = first_block * hop;
    long long seg_index = -1;
    Segment seg{};
    for (long long j = 0; j < hops * hop; ++j) {
      const long long i = i0 + j;
      if (const long long k = segment_of(i, p.sample_rate_hz); k != seg_index) {
        seg_index = k;
        seg = segment_at(*this, c, k);
      }
      dst[j] = sample_in(*this, seg, c, i, p.sample_rate_hz);
    }
    for (int h = 0; h < hops; ++h)
      chat_out[static_cast<std::size_t>(c) * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h)] =
          chat(c, first_block + h, p);
  }
}

std::vector<float> SyntheticStreams::chat_history(int channels, const DetectorParams& p) const {
  const int per = p.chat_box_hops() - 1;
  std::vector<float> h;
  for (int c = 0; c < channels; ++c)
    for (int j = 0; j < per; ++j) h.push_back(1.0f + static_cast<float>((c + j) % 3));
  return h;
}

}  // namespace hyped::test
