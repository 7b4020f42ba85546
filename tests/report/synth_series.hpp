// A synthetic broadcast for the report tests: a noisy score with bursts every `gap_s`, a threshold that
// steps as a rate-paced one does, and a highlight at each burst.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "core/highlight.hpp"
#include "core/hop_features.hpp"
#include "report/timeline.hpp"

namespace hyped::test {

struct SynthBroadcast {
  TimelineBucketer timeline;
  std::vector<Highlight> highlights;
  double duration_s = 0;
};

inline void synth_broadcast(SynthBroadcast& out, double hours, double gap_s = 900, double hop_s = 0.5,
                            unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  const auto frames = static_cast<long long>(hours * 3600 / hop_s);
  double threshold = 4.5;
  for (long long i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) * hop_s + 0.5;
    const double since = std::fmod(t, gap_s);
    HopFeatures f;
    f.z_audio = noise(rng);
    f.z_chat = 0.8f * noise(rng);
    f.chat_rate = 2.0f + 0.5f * std::abs(noise(rng));
    if (t > gap_s / 2 && since >= 100 && since < 104) {  // a burst: loud, then chat surges
      f.z_audio += 6.0f;
      f.z_chat += 4.0f;
      f.chat_rate += 10.0f;
    }
    f.score = std::max(0.0f, f.z_audio) + std::max(0.0f, f.z_chat);
    if (i % 7200 == 0) threshold = 4.0 + 0.5 * static_cast<double>((i / 7200) % 3);
    out.timeline.push(t, f, threshold);
    if (since == 101 && t > gap_s / 2) {
      Highlight h;
      h.id = static_cast<int>(out.highlights.size()) + 1;
      h.time_s = t;
      h.start_s = t - 20;
      h.end_s = t + 10;
      h.score = f.score;
      h.audio_z = f.z_audio;
      h.chat_z = f.z_chat;
      h.chat_rate = f.chat_rate;
      h.reasons = {"audio", "chat"};
      out.highlights.push_back(h);
    }
  }
  out.duration_s = static_cast<double>(frames) * hop_s + 0.5;
}

}  // namespace hyped::test
