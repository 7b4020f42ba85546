#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/scoring.hpp"

using namespace hyped;

TEST_CASE("fusion adds the positive parts of the weighted z-scores") {
  DetectorParams p;
  p.w_audio = 1;
  p.w_chat = 0.5;
  p.w_flux = 2;
  HopFeatures h;
  h.z_audio = 2;
  h.z_chat = 3;
  h.z_flux = -4;  // negative z never lowers the score
  CHECK(fuse_scores(h, p) == doctest::Approx(3.5));
}

TEST_CASE("running z measures a spike against the past, not against itself") {
  DetectorParams p;
  p.audio_min_rel_std = 0;
  FeatureStats st(p);
  for (int i = 0; i < 100; ++i) {
    HopFeatures h;
    h.rms = (i % 2) ? 1.1f : 0.9f;  // mean 1, std 0.1
    score_running(h, st, p);
  }
  HopFeatures spike;
  spike.rms = 2.0f;
  score_running(spike, st, p);
  CHECK(spike.z_audio == doctest::Approx(10.0).epsilon(0.02));
}

TEST_CASE("the audio floor keeps a perfectly steady bed from turning noise into excitement") {
  DetectorParams p;  // audio_min_rel_std = 0.05
  FeatureStats st(p);
  for (int i = 0; i < 100; ++i) {
    HopFeatures h;
    h.rms = 1.0f + 1e-4f * static_cast<float>(i % 2);
    score_running(h, st, p);
  }
  HopFeatures wobble;
  wobble.rms = 1.01f;  // 1 % up: tiny next to the 5 % floor
  score_running(wobble, st, p);
  CHECK(wobble.z_audio < 0.3f);
  CHECK(wobble.score < p.threshold);
}

TEST_CASE("global scoring uses the seed's formula") {
  DetectorParams p;
  std::vector<HopFeatures> s(4);
  const float rms[] = {1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) s[i].rms = rms[i];
  score_global(s, p);
  const double sd = std::sqrt(5.0 / 3.0);
  CHECK(s[3].z_audio == doctest::Approx((4 - 2.5) / (sd + 1e-8)));
  CHECK(s[0].z_audio == doctest::Approx((1 - 2.5) / (sd + 1e-8)));
  CHECK(s[3].score == doctest::Approx(s[3].z_audio));  // chat constant: z 0
}

TEST_CASE("spectral z-scores stay finite from the second frame on") {
  DetectorParams p;
  FeatureStats st(p);
  HopFeatures a;
  a.flux = 10.0f;
  a.hf_ratio = 0.6f;
  score_running(a, st, p);
  HopFeatures b;
  b.flux = 10.5f;  // 5 % up: one floor's worth
  b.hf_ratio = 0.61f;
  score_running(b, st, p);
  CHECK(b.z_flux == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(b.z_hf == doctest::Approx(0.01 / 0.03).epsilon(1e-5));
}
