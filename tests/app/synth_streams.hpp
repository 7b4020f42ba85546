// Synthetic streams for the detector tests: a noise bed with loud bursts, and chat that surges after them.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "core/chat_series.hpp"

namespace hyped::test {

constexpr int kRate = 16000;

// A noise bed with loud bursts at `events` seconds.
inline std::vector<float> synth_audio(double seconds, const std::vector<double>& events, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    double amp = 0.05 * (1.0 + 0.3 * std::sin(2 * M_PI * t / 23.0));
    for (double e : events)
      if (t >= e && t < e + 3) amp = 0.5;
    x[i] = static_cast<float>(amp) * noise(rng);
  }
  return x;
}

inline std::vector<ChatMessage> synth_chat(double seconds, const std::vector<double>& events, unsigned seed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> gap(1.5);
  std::vector<ChatMessage> m;
  for (double t = gap(rng); t < seconds; t += gap(rng)) m.push_back({t, 1.0f});
  for (double e : events)
    for (int i = 0; i < 80; ++i) m.push_back({e + 1 + i * 0.1, 1.0f});
  return m;
}

}  // namespace hyped::test
