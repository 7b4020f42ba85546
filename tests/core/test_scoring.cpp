#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/running_stats.hpp"
#include "core/scoring.hpp"

using namespace hyped;

namespace {
// The frame RMS of a level in dBFS.
float rms_at_db(double db) { return static_cast<float>(std::pow(10.0, db / 20.0)); }
}  // namespace

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

TEST_CASE("running audio z measures a level jump against the recent past, not against itself") {
  DetectorParams p;  // spread floor 1.5 dB
  FeatureStats st(p);
  for (int i = 0; i < 100; ++i) {
    HopFeatures h;
    h.rms = 0.1f;  // −20 dB, steady: every jump 0, so the spread is the floor
    score_running(h, st, p);
  }
  HopFeatures spike;
  spike.rms = rms_at_db(-10.0);  // 10 dB up
  score_running(spike, st, p);
  CHECK(spike.z_audio == doctest::Approx(10.0 / 1.5).epsilon(1e-5));
  // It is learnt after it is scored: the recent mean moves by α·10 dB (α of an 8 s half-life in
  // hops), and the next hop at the same level jumps that much less.
  HopFeatures again = spike;
  score_running(again, st, p);
  CHECK(again.z_audio == doctest::Approx(10.0 * (1.0 - ew_alpha(p.audio_baseline_hops())) / 1.5).epsilon(1e-4));
}

TEST_CASE("the audio floor keeps a perfectly steady bed from turning noise into excitement") {
  DetectorParams p;  // audio_min_std_db = 1.5
  FeatureStats st(p);
  for (int i = 0; i < 100; ++i) {
    HopFeatures h;
    h.rms = 0.1f * (1.0f + 1e-4f * static_cast<float>(i % 2));  // −20 dB, spread ~0.0004 dB
    score_running(h, st, p);
  }
  HopFeatures wobble;
  wobble.rms = rms_at_db(-19.0);  // 1 dB up: two thirds of the 1.5 dB floor
  score_running(wobble, st, p);
  CHECK(wobble.z_audio == doctest::Approx(1.0 / 1.5).epsilon(0.01));
  CHECK(wobble.score < p.threshold);
}

TEST_CASE("level_db is 20·log10(rms) with digital silence at -100 dBFS") {
  CHECK(level_db(1.0) == doctest::Approx(0.0));
  CHECK(level_db(0.1) == doctest::Approx(-20.0));
  CHECK(level_db(0.5) == doctest::Approx(-6.0206).epsilon(1e-4));
  CHECK(level_db(0.0) == doctest::Approx(-100.0));
  CHECK(level_db(1e-9) == doctest::Approx(-100.0));
}

TEST_CASE("chat surprise is count-aware: 5 to 25 says far more than 0.2 to 1, and nothing at the mean") {
  const double prior = DetectorParams{}.chat_prior;  // 2
  const double busy = chat_surprise(25, 5, prior);
  const double quiet = chat_surprise(1, 0.2, prior);
  // ±√(2·|x·ln((x + prior)/(mean + prior))|)
  CHECK(busy == doctest::Approx(std::sqrt(2 * 25 * std::log(27.0 / 7.0))));  // 8.2
  CHECK(quiet == doctest::Approx(std::sqrt(2 * 1 * std::log(3.0 / 2.2))));   // 0.79
  CHECK(busy > 10 * quiet);
  CHECK(quiet < 1.0);  // one line where 0.2 is usual is not a highlight
  CHECK(chat_surprise(5, 5, prior) == 0.0);
  CHECK(chat_surprise(0, 0, prior) == 0.0);
  CHECK(chat_surprise(2, 10, prior) < 0.0);  // below the mean: negative, which the fusion drops
  CHECK(chat_surprise(2, 10, prior) == doctest::Approx(-std::sqrt(2 * 2 * std::log(12.0 / 4.0))));
}

TEST_CASE("running chat z is the surprise of the window's count against the mean count before it") {
  DetectorParams p;
  p.chat_window_s = 10.0;  // a rate of 0.5/s is 5 lines a window
  FeatureStats st(p);
  for (int i = 0; i < 100; ++i) {
    HopFeatures h;
    h.chat_rate = 0.5f;  // 5 lines a window
    score_running(h, st, p);
    if (i > 0) CHECK(h.z_chat == 0.0f);  // at the mean
  }
  HopFeatures burst;
  burst.chat_rate = 2.5f;  // 25 lines a window
  score_running(burst, st, p);
  CHECK(burst.z_chat == doctest::Approx(chat_surprise(25, 5, p.chat_prior)).epsilon(1e-6));
  CHECK(burst.score == doctest::Approx(burst.z_chat).epsilon(1e-6));  // no audio: silence scores 0
}

TEST_CASE("a stream resuming at its old level after 3 minutes of digital silence scores audio z near 0") {
  const auto run = [](bool gated) {
    DetectorParams p;
    if (!gated) {  // silence scored and learnt like any other level
      p.audio_silence_db = -200.0;
      p.audio_quiet_db = 1e9;
    }
    FeatureStats st(p);
    HopFeatures h;
    for (int i = 0; i < 600; ++i) {  // 5 minutes at −20 ± 0.1 dB
      h = HopFeatures{};
      h.rms = rms_at_db((i % 2) ? -19.9 : -20.1);
      score_running(h, st, p);
    }
    for (int i = 0; i < 360; ++i) {  // 3 minutes of digital silence
      h = HopFeatures{};
      h.rms = 0.0f;
      score_running(h, st, p);
      if (gated) CHECK(h.z_audio == 0.0f);
    }
    std::vector<float> resumed;
    for (int i = 0; i < 10; ++i) {
      h = HopFeatures{};
      h.rms = rms_at_db((i % 2) ? -19.9 : -20.1);
      score_running(h, st, p);
      resumed.push_back(h.z_audio);
    }
    return resumed;
  };
  // Silence is neither scored nor learnt: the resumed level meets the recent mean it left, within
  // 0.1 dB + 0.03 dB, over the 1.5 dB floor.
  for (float z : run(true)) CHECK(std::abs(z) < 0.1f);
  // Were silence learnt, the recent mean would have sunk to −100 dB and the resume would jump 80 dB.
  // The spread of the jumps would have grown too, to about 8.7 dB (the silence's jumps −80·(1 − α)^k,
  // Σ 6400(1 − α)^2k ≈ 6400/(2α − α²) over 960 hops, α = 0.042), so z ≈ 80/8.7 ≈ 9: a highlight made
  // of nothing but the pause.
  const std::vector<float> learnt = run(false);
  CHECK(learnt[0] > 8.0f);
  CHECK(learnt[0] < 10.0f);
}

TEST_CASE("a hop far below the stream's usual level is quiet: not scored, not learnt") {
  DetectorParams p;  // quiet 20 dB below the usual level
  FeatureStats st(p);
  for (int i = 0; i < 200; ++i) {
    HopFeatures h;
    h.rms = rms_at_db((i % 2) ? -19.0 : -21.0);  // usual level −20 dB
    score_running(h, st, p);
  }
  const long long learnt = st.audio.count();
  HopFeatures brb;
  brb.rms = rms_at_db(-42.0);  // 22 dB down, well above the −60 dBFS silence: a BRB screen
  score_running(brb, st, p);
  CHECK(brb.z_audio == 0.0f);
  CHECK(st.audio.count() == learnt);
  HopFeatures softer;
  softer.rms = rms_at_db(-35.0);  // 15 dB down: a quieter moment, scored (negative) and learnt
  score_running(softer, st, p);
  CHECK(softer.z_audio < -5.0f);
  CHECK(st.audio.count() == learnt + 1);
}

TEST_CASE("a level ramping 8 dB over a minute stays below z 2 while a sudden 8 dB step scores above 3") {
  const auto bed = [](FeatureStats& st, const DetectorParams& p) {
    for (int i = 0; i < 600; ++i) {  // 5 minutes at −30 ± 0.5 dB: long std 0.5, under the 1.5 dB floor
      HopFeatures h;
      h.rms = rms_at_db((i % 2) ? -29.5 : -30.5);
      score_running(h, st, p);
    }
  };
  const DetectorParams p;
  {
    FeatureStats st(p);
    bed(st, p);
    float highest = -1e9f;
    for (int i = 0; i < 600; ++i) {  // 60 s of ramp (120 hops), then 4 minutes at +8 dB
      const double rise = std::min(8.0, 8.0 * (i + 1) / 120.0);
      HopFeatures h;
      h.rms = rms_at_db(-30.0 + rise + ((i % 2) ? 0.5 : -0.5));
      score_running(h, st, p);
      highest = std::max(highest, h.z_audio);
    }
    // The recent mean lags a ramp of s dB a hop by about s/α ≈ 0.067/0.042 ≈ 1.6 dB; the jumps' spread
    // stays under the 1.5 dB floor: z ≈ (1.6 + 0.5)/1.5 at most.
    CHECK(highest < 2.0f);
    CHECK(highest > 1.0f);  // the ramp is seen, just not as a moment
  }
  {
    FeatureStats st(p);
    bed(st, p);
    HopFeatures h;
    h.rms = rms_at_db(-22.0);  // +8 dB at once
    score_running(h, st, p);
    // The recent mean ends within α/(2 − α)·0.5 < 0.02 dB of −30: z = (8 ∓ 0.02)/1.5.
    CHECK(h.z_audio > 3.0f);
    CHECK(h.z_audio == doctest::Approx(8.0 / 1.5).epsilon(0.005));
  }
}

TEST_CASE("hops below the silence level score 0 and teach the statistics nothing") {
  DetectorParams p;  // silence below −60 dBFS
  FeatureStats st(p);
  for (int i = 0; i < 50; ++i) {
    HopFeatures h;
    h.rms = rms_at_db((i % 2) ? -49.0 : -51.0);  // a quiet stream, usual level −50 dB: 10 dB above silence
    score_running(h, st, p);
  }
  const long long learnt = st.audio.count();
  const double mean = st.audio.mean(), recent = st.audio_recent.mean(), var = st.audio.variance();
  for (const double db : {p.audio_silence_db - 1.0, -80.0, -120.0}) {
    HopFeatures quiet;
    quiet.rms = rms_at_db(db);
    score_running(quiet, st, p);
    CHECK(quiet.z_audio == 0.0f);
    CHECK(quiet.score == 0.0f);
  }
  CHECK(st.audio.count() == learnt);
  CHECK(st.audio.mean() == mean);
  CHECK(st.audio_recent.mean() == recent);
  CHECK(st.audio.variance() == var);
  HopFeatures faint;
  faint.rms = rms_at_db(p.audio_silence_db + 1.0);  // just above, 9 dB under the usual level: a real
  score_running(faint, st, p);                       // (negative) z, and learnt
  CHECK(faint.z_audio < -4.0f);
  CHECK(st.audio.count() == learnt + 1);
}
