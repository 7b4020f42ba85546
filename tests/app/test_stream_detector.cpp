#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "app/multi_stream_detector.hpp"
#include "app/stream_detector.hpp"
#include "synth_streams.hpp"

using namespace hyped;
using hyped::test::synth_audio;
using hyped::test::synth_chat;

namespace {

DetectionResult run(const DetectorParams& p, const std::vector<float>& x, const std::vector<ChatMessage>& chat,
                    const std::vector<std::size_t>& chunks, int tick_hops = 64) {
  StreamDetector d(p, make_cpu_backend(p, 1), ChatRateSeries(chat, p), tick_hops);
  d.keep_series(true);
  std::size_t pos = 0, i = 0;
  while (pos < x.size()) {
    const std::size_t n = std::min(chunks[i++ % chunks.size()], x.size() - pos);
    d.push(std::span(x).subspan(pos, n));
    pos += n;
  }
  return d.finish();
}

// The seed's batch pipeline written out directly: unfold RMS, torch.mean/std, z, chat conv1d, fusion.
struct SeedOutput {
  std::vector<double> rms, z_audio, chat_rate, z_chat, score;
};

SeedOutput seed_pipeline(const DetectorParams& p, const std::vector<float>& x, const std::vector<ChatMessage>& chat) {
  SeedOutput o;
  const int frame = p.frame_len(), hop = p.hop_len();
  const long n = (static_cast<long>(x.size()) - frame) / hop + 1;
  for (long i = 0; i < n; ++i) {
    double ss = 0;
    for (int j = 0; j < frame; ++j) ss += static_cast<double>(x[i * hop + j]) * x[i * hop + j];
    o.rms.push_back(std::sqrt(ss / frame));
  }
  std::vector<double> counts(static_cast<std::size_t>(n), 0.0);
  for (const auto& m : chat) {
    const double pos = (m.t_s - (p.frame_time_s(0) - p.hop_s / 2)) / p.hop_s;
    if (pos >= 0 && pos < n) counts[static_cast<std::size_t>(pos)] += m.weight;
  }
  const int k = p.chat_box_hops(), pad = k / 2;
  for (long i = 0; i < n; ++i) {
    double s = 0;
    for (int j = 0; j < k; ++j) {
      const long src = i - pad + j;
      if (src >= 0 && src < n) s += counts[static_cast<std::size_t>(src)];
    }
    o.chat_rate.push_back(s / k / p.hop_s);
  }
  const auto zs = [&](const std::vector<double>& v) {
    double mean = 0, ss = 0;
    for (double e : v) mean += e;
    mean /= static_cast<double>(v.size());
    for (double e : v) ss += (e - mean) * (e - mean);
    const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
    std::vector<double> z;
    for (double e : v) z.push_back((e - mean) / (sd + 1e-8));
    return z;
  };
  o.z_audio = zs(o.rms);
  o.z_chat = zs(o.chat_rate);
  for (long i = 0; i < n; ++i)
    o.score.push_back(p.w_audio * std::max(0.0, o.z_audio[i]) + p.w_chat * std::max(0.0, o.z_chat[i]));
  return o;
}

void check_close(double ours, double ref, double tol) { CHECK(std::abs(ours - ref) <= tol * std::max(1.0, std::abs(ref))); }

}  // namespace

TEST_CASE("global mode reproduces the seed's formulas within 1e-5") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  p.target_per_hour = 0;  // the seed's picker: every crossing of the threshold
  const std::vector<double> events = {40, 95, 150};
  const auto x = synth_audio(200.3, events, 11);  // not a whole number of hops
  const auto chat = synth_chat(200.3, events, 12);
  const DetectionResult r = run(p, x, chat, {4096});
  const SeedOutput seed = seed_pipeline(p, x, chat);
  REQUIRE(r.series.size() == seed.rms.size());
  for (std::size_t i = 0; i < seed.rms.size(); ++i) {
    check_close(r.series[i].rms, seed.rms[i], 1e-5);
    check_close(r.series[i].z_audio, seed.z_audio[i], 1e-5);
    check_close(r.series[i].chat_rate, seed.chat_rate[i], 1e-5);
    check_close(r.series[i].z_chat, seed.z_chat[i], 1e-5);
    check_close(r.series[i].score, seed.score[i], 1e-5);
  }
  // and the picker finds every burst at its onset (a highlight's time as its last revision placed it)
  REQUIRE(r.highlights.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(std::abs(r.highlights[i].time_s - events[i]) <= 1.0);
}

TEST_CASE("results are identical for any chunk size and tick size") {
  const std::vector<double> events = {70, 130};
  const auto x = synth_audio(180, events, 21);
  const auto chat = synth_chat(180, events, 22);
  for (ZMode mode : {ZMode::Running, ZMode::Global}) {
    DetectorParams p;
    p.z_mode = mode;
    p.target_per_hour = 0;  // every burst fires, so there are highlights to compare
    const DetectionResult whole = run(p, x, chat, {x.size()});
    std::mt19937 rng(mode == ZMode::Running ? 1 : 2);
    std::uniform_int_distribution<std::size_t> len(1, 40000);
    std::vector<std::size_t> chunks(997);
    for (auto& c : chunks) c = len(rng);
    for (int tick : {1, 7, 64}) {
      const DetectionResult pieces = run(p, x, chat, chunks, tick);
      REQUIRE(pieces.series.size() == whole.series.size());
      for (std::size_t i = 0; i < whole.series.size(); ++i) {
        CHECK(pieces.series[i].rms == whole.series[i].rms);
        CHECK(pieces.series[i].flux == whole.series[i].flux);
        CHECK(pieces.series[i].hf_ratio == whole.series[i].hf_ratio);
        CHECK(pieces.series[i].chat_rate == whole.series[i].chat_rate);
        CHECK(pieces.series[i].score == whole.series[i].score);
      }
      REQUIRE(pieces.highlights.size() == whole.highlights.size());
      for (std::size_t i = 0; i < whole.highlights.size(); ++i) {
        CHECK(pieces.highlights[i].time_s == whole.highlights[i].time_s);
        CHECK(pieces.highlights[i].score == whole.highlights[i].score);
        CHECK(pieces.highlights[i].revision == whole.highlights[i].revision);
      }
    }
    CHECK(whole.highlights.size() == 2);
  }
}

TEST_CASE("running mode fires on each burst as it arrives, after warm-up, and revises it as it grows") {
  DetectorParams p;
  p.target_per_hour = 0;  // every crossing of the threshold: three equal bursts all fire
  p.chat_window_s = 10.0;  // each synthetic burst's chat lasts 8 s: a box about as long places it to the second
  const std::vector<double> events = {30, 90, 160, 230};  // the first is inside the 60 s warm-up
  const auto x = synth_audio(260, events, 31);
  std::vector<Highlight> fired, revised;
  StreamDetector d(p, make_cpu_backend(p, 1), ChatRateSeries(synth_chat(260, events, 32), p));
  d.on_highlight = [&](const Highlight& h) { (h.revision == 0 ? fired : revised).push_back(h); };
  d.push(x);
  const DetectionResult r = d.finish();
  REQUIRE(fired.size() == 3);
  const double lookahead_s = p.chat_lookahead_hops() * p.hop_s;  // the centred box sees chat this early
  for (std::size_t i = 0; i < 3; ++i) {
    INFO(i);
    CHECK(fired[i].id == static_cast<int>(i) + 1);
    // It fires as the first signs cross the threshold: at most the box's look-ahead (+ a hop) before
    // the chat that starts 1 s after the burst, and no later than the burst's loud onset.
    CHECK(fired[i].time_s >= events[i + 1] + 1.0 - lookahead_s - p.hop_s);
    CHECK(fired[i].time_s <= events[i + 1] + p.hop_s);
  }
  CHECK(!revised.empty());  // the loud onset comes on top of the chat that crossed first
  for (const Highlight& h : revised) CHECK(h.id <= 3);
  // The result holds each highlight as its last revision told it: the peak score, and the time where
  // the burst began.
  REQUIRE(r.highlights.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(r.highlights[i].id == fired[i].id);
    CHECK(r.highlights[i].score >= fired[i].score);
    CHECK(std::abs(r.highlights[i].time_s - events[i + 1]) <= 1.0);
  }
  CHECK(r.series.empty());  // running mode keeps no history unless asked
  CHECK(r.frames == 519);
  CHECK(r.duration_s == doctest::Approx(260.0));
}

TEST_CASE("chat fed as it arrives scores the same as a trailing chat series") {
  DetectorParams p;
  p.chat_centred = false;  // what live runs: no look-ahead
  p.target_per_hour = 0;   // every burst fires, so there are highlights to compare
  p.chat_window_s = 10.0;  // about as long as each synthetic burst's chat (8 s): it places them to the second
  const std::vector<double> events = {90, 160, 230};
  const auto x = synth_audio(260, events, 51);
  const auto chat = synth_chat(260, events, 52);

  StreamDetector series(p, make_cpu_backend(p, 1), ChatRateSeries(chat, p), 64);
  series.keep_series(true);
  std::vector<Highlight> want_sent;  // every highlight and revision
  series.on_highlight = [&](const Highlight& h) { want_sent.push_back(h); };
  series.push(x);
  const DetectionResult want = series.finish();

  // Messages handed over frame by frame, the way a live channel bins them on the hop grid.
  std::vector<float> bins(600, 0.0f);
  for (const ChatMessage& m : chat) bins[static_cast<std::size_t>(std::floor((m.t_s - p.frame_s / 2) / p.hop_s + 0.5))] += m.weight;
  // What live runs: one stream of a MultiStreamDetector, chat handed over frame by frame.
  std::vector<long long> asked;
  DetectionResult got;
  std::vector<MultiStreamDetector::Stream> io(1);
  io[0].chat_for_frame = [&](long long frame) {
    asked.push_back(frame);
    return bins[static_cast<std::size_t>(frame)];
  };
  io[0].on_frame = [&](double, const HopFeatures& f) { got.series.push_back(f); };
  io[0].on_highlight = [&](const Highlight& h) { got.highlights.push_back(h); };
  MultiStreamDetector fed(p, make_cpu_backend(p, 1), std::move(io));
  for (std::size_t pos = 0; pos < x.size(); pos += 12345) {
    fed.push(0, std::span(x).subspan(pos, std::min<std::size_t>(12345, x.size() - pos)));
    fed.process();
  }

  REQUIRE(got.series.size() == want.series.size());
  for (std::size_t f = 0; f < got.series.size(); ++f) CHECK(got.series[f].chat_rate == want.series[f].chat_rate);
  REQUIRE(got.highlights.size() == want_sent.size());
  for (std::size_t i = 0; i < got.highlights.size(); ++i) {
    CHECK(got.highlights[i].id == want_sent[i].id);
    CHECK(got.highlights[i].revision == want_sent[i].revision);
    CHECK(got.highlights[i].time_s == want_sent[i].time_s);
    CHECK(got.highlights[i].score == want_sent[i].score);
  }
  // Every burst fired (background chat may fire too: every crossing counts here), placed at its onset.
  for (double e : events) {
    INFO(e);
    CHECK(std::any_of(want.highlights.begin(), want.highlights.end(),
                      [e](const Highlight& h) { return std::abs(h.time_s - e) <= 2.0; }));
  }
  REQUIRE(asked.size() == got.series.size());  // once per frame, in order
  for (std::size_t i = 0; i < asked.size(); ++i) CHECK(asked[i] == static_cast<long long>(i));
}

TEST_CASE("running mode's centred box looks ahead into the chat log as the seed's conv1d does") {
  DetectorParams p;       // running z-scores, centred chat box: replay's defaults
  p.target_per_hour = 0;  // every burst fires
  const std::vector<double> events = {90, 160};
  const auto x = synth_audio(200, events, 61);
  const auto chat = synth_chat(200, events, 62);
  const DetectionResult r = run(p, x, chat, {30000}, 9);
  const ChatRateSeries series(chat, p);
  // Unlike the seed, the streaming box sees chat after the last frame: the counts run on past it.
  const auto n = static_cast<long long>(r.series.size());
  std::vector<float> counts;
  for (long long bin = 0; bin < n + p.chat_lookahead_hops(); ++bin) counts.push_back(series.count(bin));
  const std::vector<float> box = smooth_box_centred(counts, p.chat_box_hops());
  REQUIRE(n == 399);
  for (long long f = 0; f < n; ++f)
    CHECK(r.series[static_cast<std::size_t>(f)].chat_rate == static_cast<float>(box[static_cast<std::size_t>(f)] / p.hop_s));
  CHECK(r.highlights.size() == events.size());
}

TEST_CASE("spectral features respond to a bright burst") {
  DetectorParams p;
  p.z_mode = ZMode::Global;
  const auto x = synth_audio(60, {30}, 41);
  const DetectionResult r = run(p, x, {}, {8192});
  const auto& quiet = r.series[20];  // 10.5 s
  const auto& loud = r.series[60];   // 30.5 s
  CHECK(loud.flux > 5 * quiet.flux);
  CHECK(quiet.hf_ratio > 0.5f);  // white noise: most power above 2 kHz of 8 kHz
  CHECK(quiet.hf_ratio < 0.9f);
}

TEST_CASE("chat added while the audio streams scores the same as the whole log up front") {
  DetectorParams p;
  p.z_mode = ZMode::Running;
  p.warmup_s = 20;
  p.chat_centred = true;
  const std::vector<double> events = {60, 130};
  const auto x = synth_audio(180, events, 31);
  auto chat = synth_chat(180, events, 32);
  std::sort(chat.begin(), chat.end(), [](const auto& a, const auto& b) { return a.t_s < b.t_s; });
  const DetectionResult whole = run(p, x, chat, {4096});

  // As `hyped replay` feeds a VOD's comment pages: before each chunk, the chat its frames will read.
  const double ahead_s = (p.chat_lookahead_hops() + 2) * p.hop_s + p.frame_s;
  std::size_t next = 0;
  const auto upto = [&](double t_s) {
    std::vector<ChatMessage> out;
    while (next < chat.size() && chat[next].t_s <= t_s) out.push_back(chat[next++]);
    return out;
  };
  StreamDetector d(p, make_cpu_backend(p, 1), ChatRateSeries(upto(ahead_s), p));
  d.keep_series(true);
  for (std::size_t pos = 0; pos < x.size(); pos += 4096) {
    const std::size_t n = std::min<std::size_t>(4096, x.size() - pos);
    d.add_chat(upto(d.seconds_seen() + static_cast<double>(n) / p.sample_rate_hz + ahead_s));
    d.push(std::span(x).subspan(pos, n));
  }
  d.add_chat(upto(1e18));
  const DetectionResult fed = d.finish();
  REQUIRE(fed.series.size() == whole.series.size());
  for (std::size_t i = 0; i < fed.series.size(); ++i) {
    CHECK(fed.series[i].chat_rate == whole.series[i].chat_rate);
    CHECK(fed.series[i].score == whole.series[i].score);
  }
  REQUIRE(fed.highlights.size() == whole.highlights.size());
  CHECK(!fed.highlights.empty());
  for (std::size_t i = 0; i < fed.highlights.size(); ++i) CHECK(fed.highlights[i].time_s == whole.highlights[i].time_s);
}

TEST_CASE("every frame reaches on_picked with the threshold it was held to, in both z modes") {
  for (const ZMode mode : {ZMode::Running, ZMode::Global}) {
    INFO(to_string(mode));
    DetectorParams p;
    p.z_mode = mode;
    p.target_per_hour = 30;  // a paced threshold that moves as the bursts come
    const std::vector<double> events = {90, 160, 230};
    const auto x = synth_audio(260, events, 41);
    StreamDetector d(p, make_cpu_backend(p, 1), ChatRateSeries(synth_chat(260, events, 42), p));
    struct Picked {
      double t;
      float score;
      double threshold;
    };
    std::vector<Picked> picked;
    std::vector<Highlight> fired;
    d.on_picked = [&](double t, const HopFeatures& f, double threshold) { picked.push_back({t, f.score, threshold}); };
    d.on_highlight = [&](const Highlight& h) {
      if (h.revision == 0) fired.push_back(h);
    };
    d.push(x);
    const DetectionResult r = d.finish();
    REQUIRE(static_cast<long long>(picked.size()) == r.frames);
    double lowest = 1e9, highest = 0;
    for (std::size_t i = 0; i < picked.size(); ++i) {
      CHECK(picked[i].t == doctest::Approx(p.frame_time_s(static_cast<long long>(i))));
      CHECK(picked[i].threshold >= p.threshold);
      lowest = std::min(lowest, picked[i].threshold);
      highest = std::max(highest, picked[i].threshold);
    }
    CHECK(highest > lowest);  // it follows the rate target
    REQUIRE(!fired.empty());
    for (const Highlight& h : fired) {
      // A highlight fires on the frame whose score rose through the threshold it was held to.
      const auto i = static_cast<std::size_t>(p.frame_at(h.time_s));
      REQUIRE(i < picked.size());
      CHECK(picked[i].score >= picked[i].threshold);
      CHECK(h.score == picked[i].score);
    }
  }
}
