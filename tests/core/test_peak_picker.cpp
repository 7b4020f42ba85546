#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/peak_picker.hpp"

using namespace hyped;

namespace {
HopFeatures hop(float score, float za = 0, float zc = 0) {
  HopFeatures h;
  h.score = score;
  h.z_audio = za;
  h.z_chat = zc;
  return h;
}
}  // namespace

TEST_CASE("fires once on the rising edge, then revises it with the peak instead of firing again") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  p.target_per_hour = 0;  // every crossing of the threshold (2)
  PeakPicker pk(p);
  std::vector<Highlight> got;
  const float scores[] = {0, 1, 2.5, 3, 3, 0.5, 0};
  for (int i = 0; i < 7; ++i)
    if (auto h = pk.push(i, hop(scores[i], scores[i]))) got.push_back(*h);
  REQUIRE(got.size() == 2);
  CHECK(got[0].id == 1);
  CHECK(got[0].revision == 0);
  CHECK(got[0].score == 2.5f);
  CHECK(got[0].time_s == doctest::Approx(p.frame_time_s(2)));
  CHECK(got[0].start_s == 0.0);  // clamped at the start of the media
  CHECK(got[0].end_s == doctest::Approx(p.frame_time_s(2) + p.post_s));
  CHECK(got[0].reasons == std::vector<std::string>{"audio"});
  // 3 is 20 % above what was sent: once it has passed (frame 4 is no higher), the same highlight is
  // sent again with it. Its time stays: frame 2 is already over half the peak.
  CHECK(got[1].id == 1);
  CHECK(got[1].revision == 1);
  CHECK(got[1].score == 3.0f);
  CHECK(got[1].audio_z == 3.0f);
  CHECK(got[1].time_s == doctest::Approx(p.frame_time_s(2)));
}

TEST_CASE("the refractory period suppresses a second edge too soon after the first") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  PeakPicker pk(p);
  int fired = 0;
  // edges at frames 100, 120 (10 s later: suppressed) and 170 (35 s after the first: fires)
  for (int i = 0; i < 200; ++i) {
    const bool high = i == 100 || i == 120 || i == 170;
    if (pk.push(i, hop(high ? 5.0f : 0.0f, 5))) ++fired;
  }
  CHECK(fired == 2);
}

TEST_CASE("running mode stays silent during warm-up") {
  DetectorParams p;  // running, 60 s warm-up
  PeakPicker pk(p);
  CHECK_FALSE(pk.push(10, hop(9)).has_value());    // 5.5 s
  CHECK_FALSE(pk.push(11, hop(0)).has_value());
  CHECK(pk.push(200, hop(9)).has_value());         // 100.5 s
}

TEST_CASE("reasons name each signal over reason_z, else those giving a third of the score") {
  DetectorParams p;  // reason_z 1.5
  CHECK(reasons_for(hop(5, 3, 2), p) == std::vector<std::string>{"audio", "chat"});
  CHECK(reasons_for(hop(5, 3, 1.4f), p) == std::vector<std::string>{"audio"});  // one over reason_z: only it
  // None reaches 1.5: each that gives ≥ 2.2/3 = 0.73 of the score is named.
  CHECK(reasons_for(hop(2.2f, 1.2f, 1.0f), p) == std::vector<std::string>{"audio", "chat"});
  CHECK(reasons_for(hop(1.7f, 1.4f, 0.3f), p) == std::vector<std::string>{"audio"});
  p.w_chat = 0;  // a signal with no weight is never a reason
  CHECK(reasons_for(hop(2, 0, 9), p).empty());  // and the largest is no longer named regardless
  p = DetectorParams{};
  p.w_flux = 0.5;
  HopFeatures h = hop(1.5f, 0.6f, 0.4f);
  h.z_flux = 1.0f;  // gives 0.5: a third of 1.5
  CHECK(reasons_for(h, p) == std::vector<std::string>{"audio", "flux"});
  CHECK(join_reasons({"audio", "chat"}) == "audio+chat");
}

namespace {

// Pushes the scores from frame `first` on; returns every highlight and revision sent.
std::vector<Highlight> feed(PeakPicker& pk, long long first, const std::vector<HopFeatures>& hops) {
  std::vector<Highlight> out;
  for (std::size_t i = 0; i < hops.size(); ++i)
    if (auto h = pk.push(first + static_cast<long long>(i), hops[i])) out.push_back(*h);
  return out;
}

std::vector<HopFeatures> quiet(int n) { return std::vector<HopFeatures>(static_cast<std::size_t>(n), hop(0)); }

std::vector<HopFeatures> operator+(std::vector<HopFeatures> a, const std::vector<HopFeatures>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("a weak crossing followed within the refractory period by a much stronger burst is one highlight, revised to the burst") {
  const DetectorParams p;  // running: warm-up over at 60 s; the young channel's threshold 4.5
  PeakPicker pk(p);
  CHECK(feed(pk, 0, quiet(200)).empty());
  // Frame 200 (100.5 s): chat crosses weakly; frame 211: the real moment, loud, peaking at 14.
  const std::vector<HopFeatures> scores = std::vector<HopFeatures>{hop(5, 0, 5), hop(5.2f, 0, 5.2f)} + quiet(9) +
                                          std::vector<HopFeatures>{hop(7, 4, 3), hop(12, 9, 3), hop(14, 10, 4),
                                                                   hop(10, 7, 3), hop(3, 2, 1)} +
                                          quiet(200);
  const std::vector<Highlight> got = feed(pk, 200, scores);
  REQUIRE(got.size() == 2);
  CHECK(got[0].id == 1);
  CHECK(got[0].revision == 0);
  CHECK(got[0].time_s == p.frame_time_s(200));  // sent the moment it crossed
  CHECK(got[0].score == 5.0f);
  CHECK(got[0].reasons == std::vector<std::string>{"chat"});
  const Highlight& r = got[1];
  CHECK(r.id == 1);
  CHECK(r.revision == 1);
  CHECK(r.score == 14.0f);  // the stronger peak
  // Placed where the strong burst began: its first frame at half the peak (7 at frame 211); the weak
  // crossing (5 < 7) does not place the clip.
  CHECK(r.time_s == p.frame_time_s(211));
  // The clip goes with it: [t − pre_s, t + post_s].
  CHECK(r.start_s == doctest::Approx(p.frame_time_s(211) - p.pre_s));
  CHECK(r.end_s == doctest::Approx(p.frame_time_s(211) + p.post_s));
  CHECK(r.audio_z == 10.0f);
  CHECK(r.chat_z == 5.2f);  // the strongest of each signal in the period
  CHECK(r.reasons == std::vector<std::string>{"chat", "audio"});  // what was sent, then what was added
}

TEST_CASE("a revision is placed where the run up to its peak began, not at an earlier weak crossing") {
  const DetectorParams p;
  PeakPicker pk(p);
  feed(pk, 0, quiet(200));
  // The weak crossing (5) is over half the later peak (9), but the score fell to 1 between them.
  const auto got = feed(pk, 200, std::vector<HopFeatures>{hop(5, 0, 5)} + quiet(9) +
                                     std::vector<HopFeatures>{hop(6, 6), hop(9, 9), hop(4, 4)} + quiet(100));
  REQUIRE(got.size() == 2);
  CHECK(got[1].revision == 1);
  CHECK(got[1].score == 9.0f);
  CHECK(got[1].time_s == p.frame_time_s(210));  // 6 ≥ 4.5 leads into the peak; frame 209 (0) does not
  CHECK(got[1].start_s == doctest::Approx(p.frame_time_s(210) - p.pre_s));
}

TEST_CASE("a revision is not sent for a peak less than 5 % above what was sent") {
  const DetectorParams p;
  {
    PeakPicker pk(p);
    feed(pk, 0, quiet(200));
    const auto got = feed(pk, 200, std::vector<HopFeatures>{hop(5, 5), hop(5.2f, 5.2f)} + quiet(200));  // 4 % up
    REQUIRE(got.size() == 1);
    CHECK(got[0].score == 5.0f);
  }
  {
    PeakPicker pk(p);
    feed(pk, 0, quiet(200));
    const auto got = feed(pk, 200, std::vector<HopFeatures>{hop(5, 5), hop(5.3f, 5.3f)} + quiet(200));  // 6 % up
    REQUIRE(got.size() == 2);
    CHECK(got[1].id == got[0].id);
    CHECK(got[1].revision == 1);
    CHECK(got[1].score == 5.3f);
  }
  {
    // Still rising when the refractory period ends: the revision goes out with its last frame.
    PeakPicker pk(p);
    feed(pk, 0, quiet(200));
    std::vector<HopFeatures> rising;
    for (int i = 0; i < 60; ++i) rising.push_back(hop(5.0f + 0.1f * static_cast<float>(i), 5));
    std::vector<Highlight> got;
    for (std::size_t i = 0; i < rising.size(); ++i)
      if (auto h = pk.push(200 + static_cast<long long>(i), rising[i])) got.push_back(*h);
    REQUIRE(got.size() == 2);
    CHECK(got[1].revision == 1);
    CHECK(got[1].score == rising.back().score);
    CHECK(feed(pk, 260, quiet(100)).empty());
  }
}

TEST_CASE("a young channel does not fire below fusion.start_threshold, then not below its typical episode") {
  DetectorParams p;  // threshold 2, start_threshold 4.5, 4 an hour
  {
    PeakPicker pk(p);
    CHECK(pk.threshold() == 4.5);
    CHECK(feed(pk, 0, quiet(200) + std::vector<HopFeatures>{hop(4.0f, 4)} + quiet(100)).empty());
    // 4.6 crosses; so does an episode as strong as the first, once that one has closed (a refractory
    // period below threshold): the hour not yet seen counts as 4 such episodes, and the 4th largest of
    // those and the one seen is 10.
    auto got = feed(pk, 301, std::vector<HopFeatures>{hop(10, 10)} + quiet(100));
    REQUIRE(got.size() == 1);
    CHECK(pk.threshold() == doctest::Approx(10.0));
    CHECK(feed(pk, 402, std::vector<HopFeatures>{hop(8, 8)} + quiet(100)).empty());
    got = feed(pk, 503, std::vector<HopFeatures>{hop(10.5f, 10.5f)} + quiet(10));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == 2);
  }
  {
    PeakPicker pk(p);
    CHECK(feed(pk, 0, quiet(200) + std::vector<HopFeatures>{hop(4.4f, 4.4f)} + quiet(100)).empty());
    CHECK(feed(pk, 301, std::vector<HopFeatures>{hop(4.6f, 4.6f)}).size() == 1);
  }
  p.target_per_hour = 0;  // no rate: the threshold is the floor alone
  PeakPicker every(p);
  CHECK(every.threshold() == 2.0);
  CHECK(feed(every, 0, quiet(200) + std::vector<HopFeatures>{hop(4.0f, 4)}).size() == 1);
}

TEST_CASE("scores during warm-up fire nothing and do not raise the rate threshold") {
  const DetectorParams p;  // running, warm-up 60 s
  PeakPicker pk(p);
  // A burst at 30 s, measured against statistics of half a minute: it must not become the channel's
  // typical episode.
  CHECK(feed(pk, 0, quiet(58) + std::vector<HopFeatures>(5, hop(20, 20)) + quiet(137)).empty());
  CHECK(pk.threshold() == 4.5);
  const auto got = feed(pk, 200, std::vector<HopFeatures>{hop(6, 6)} + quiet(10));
  REQUIRE(got.size() == 1);
  CHECK(got[0].time_s == p.frame_time_s(200));
}

TEST_CASE("the rate threshold fires close to fusion.target_per_hour on a quiet and on a busy channel") {
  // 20 hours of noise (|N(0, 0.6)|, under the floor of 2 but for rare short episodes) with a burst of
  // random strength (peak uniform in 5..15, 2.5 s) every 3600/n s. Each burst fires when it beats the
  // 4th largest episode of the hour before it, which holds the n bursts before it: for exchangeable
  // peaks, with probability 4/(n + 1), so the expected rate is 4n/(n + 1) an hour (3.56 for n = 8,
  // 3.93 for n = 60). Counted over hours 2–20 (the first hour is a young channel's), its binomial
  // spread is √(19n · q(1 − q))/19 with q = 4/(n + 1): 0.42/h for n = 8, 0.44/h for n = 60. The
  // tolerance is ±0.9/h, about two of those.
  for (const int n : {8, 60}) {
    INFO(n << " bursts an hour");
    const DetectorParams p;
    PeakPicker pk(p);
    std::mt19937 rng(static_cast<unsigned>(n));
    std::normal_distribution<float> noise(0.0f, 0.6f);
    std::uniform_real_distribution<float> strength(5.0f, 15.0f);
    const long long frames = static_cast<long long>(20 * 3600 / p.hop_s);
    const long long every = static_cast<long long>(3600.0 / n / p.hop_s);
    std::vector<int> fired(20, 0);
    int revisions = 0;
    float peak = 0;
    long long burst_at = -100;
    for (long long f = 0; f < frames; ++f) {
      if (f % every == every / 2) {
        peak = strength(rng);
        burst_at = f;
      }
      float score = std::abs(noise(rng));
      const long long k = f - burst_at;
      if (k < 6) score = std::max(score, k == 0 ? peak / 2 : k < 5 ? peak : peak / 3);
      if (auto h = pk.push(f, hop(score, score))) {
        if (h->revision == 0) ++fired[static_cast<std::size_t>(p.frame_time_s(f) / 3600.0)];
        else ++revisions;
      }
    }
    int settled = 0;
    for (std::size_t hour = 1; hour < fired.size(); ++hour) settled += fired[hour];
    const double rate = settled / 19.0;
    const double expected = 4.0 * n / (n + 1.0);
    CHECK(std::abs(rate - expected) <= 0.9);
    CHECK(revisions <= settled);  // a burst's half-peak first frame is revised at most once
  }
}

TEST_CASE("strongest keeps the n highest scores in time order, one per min_gap_s") {
  const auto at = [](int id, double t, float score) {
    Highlight h;
    h.id = id;
    h.time_s = t;
    h.score = score;
    return h;
  };
  const std::vector<Highlight> all = {at(1, 100, 5), at(2, 113, 9), at(3, 200, 7), at(4, 229, 6), at(5, 300, 4)};
  const auto ids = [](const std::vector<Highlight>& hs) {
    std::vector<int> out;
    for (const Highlight& h : hs) out.push_back(h.id);
    return out;
  };
  CHECK(ids(strongest(all, 3)) == std::vector<int>{2, 3, 4});
  CHECK(ids(strongest(all, 10)) == std::vector<int>{1, 2, 3, 4, 5});
  // 100 s is 13 s from the stronger 113 s, and 229 s 29 s from 200 s: each the same reaction again.
  CHECK(ids(strongest(all, 3, 30.0)) == std::vector<int>{2, 3, 5});
  CHECK(ids(strongest(all, 10, 30.0)) == std::vector<int>{2, 3, 5});
  CHECK(ids(strongest(all, 10, 10.0)) == std::vector<int>{1, 2, 3, 4, 5});  // 13 s and 29 s apart: distinct
  CHECK(strongest({}, 3, 30.0).empty());
}
