#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "app/multi_stream_detector.hpp"
#include "app/stream_detector.hpp"
#include "synth_streams.hpp"

using namespace hyped;

namespace {

struct TestStream {
  std::vector<float> audio;
  std::vector<ChatMessage> chat;
  std::vector<float> chat_bins;  // weight per frame, as a live channel bins it
};

TestStream make_stream(const DetectorParams& p, double seconds, const std::vector<double>& events, unsigned seed) {
  TestStream s{test::synth_audio(seconds, events, seed), test::synth_chat(seconds, events, seed + 1000),
               std::vector<float>(static_cast<std::size_t>(seconds / p.hop_s) + 4, 0.0f)};
  for (const ChatMessage& m : s.chat) {
    const auto bin = static_cast<long long>(std::floor((m.t_s - p.frame_s / 2) / p.hop_s + 0.5));
    if (bin >= 0 && bin < static_cast<long long>(s.chat_bins.size())) s.chat_bins[static_cast<std::size_t>(bin)] += m.weight;
  }
  return s;
}

struct Scored {
  std::vector<HopFeatures> frames;
  std::vector<double> times;
  std::vector<Highlight> highlights;  // every highlight and revision, as sent
  std::vector<Highlight> result;      // alone: the detector's result, each highlight as it ended
  std::vector<long long> chat_asked;
};

// The reference: one stream alone through replay's detector, its chat as a trailing series.
Scored alone(const DetectorParams& p, const TestStream& s) {
  Scored out;
  StreamDetector d(p, make_cpu_backend(p, 1), ChatRateSeries(s.chat, p));
  d.on_frame = [&](double t, const HopFeatures& f) {
    out.chat_asked.push_back(static_cast<long long>(out.frames.size()));  // each frame's chat, in order
    out.times.push_back(t);
    out.frames.push_back(f);
  };
  d.on_highlight = [&](const Highlight& h) { out.highlights.push_back(h); };
  d.push(s.audio);
  out.result = d.finish().highlights;
  return out;
}

bool same_highlight(const Highlight& a, const Highlight& b) {
  return a.id == b.id && a.revision == b.revision && a.time_s == b.time_s && a.start_s == b.start_s &&
         a.end_s == b.end_s && a.score == b.score && a.audio_z == b.audio_z && a.chat_z == b.chat_z &&
         a.chat_rate == b.chat_rate && a.reasons == b.reasons;
}

bool same_bits(const HopFeatures& a, const HopFeatures& b) {
  return a.rms == b.rms && a.flux == b.flux && a.hf_ratio == b.hf_ratio && a.chat_rate == b.chat_rate &&
         a.z_audio == b.z_audio && a.z_chat == b.z_chat && a.z_flux == b.z_flux && a.z_hf == b.z_hf && a.score == b.score;
}

}  // namespace

TEST_CASE("streams arriving unevenly through one backend score exactly as each would alone in replay") {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;  // every feature counts, so a mixed-up channel state would show
  const std::vector<TestStream> streams = {
      make_stream(p, 200, {80, 150}, 1), make_stream(p, 170, {100}, 2), make_stream(p, 240, {70, 130, 200}, 3),
      make_stream(p, 75, {}, 4),  // ends early: the others go on without it
      make_stream(p, 190, {120, 170}, 5)};
  const auto n = streams.size();
  std::vector<Scored> got(n);
  std::vector<MultiStreamDetector::Stream> io;
  for (std::size_t c = 0; c < n; ++c)
    io.push_back({[&, c](long long frame) {
                    got[c].chat_asked.push_back(frame);
                    return streams[c].chat_bins[static_cast<std::size_t>(frame)];
                  },
                  [&, c](double t, const HopFeatures& f) {
                    got[c].times.push_back(t);
                    got[c].frames.push_back(f);
                  },
                  [&, c](const Highlight& h) { got[c].highlights.push_back(h); },
                  std::nullopt, std::nullopt});
  MultiStreamDetector multi(p, make_cpu_backend(p, static_cast<int>(n)), std::move(io), 5);
  int ticks = 0;
  multi.on_tick = [&](double) { ++ticks; };

  // Chunks of any size, streams in random order, scoring after a random number of pushes: the way
  // segments of several live streams land on the detector thread.
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> len(1, 40000);
  std::vector<std::size_t> pos(n, 0);
  for (int pushes = 0;; ++pushes) {
    std::vector<std::size_t> open;
    for (std::size_t c = 0; c < n; ++c)
      if (pos[c] < streams[c].audio.size()) open.push_back(c);
    if (open.empty()) break;
    const std::size_t c = open[rng() % open.size()];
    const std::size_t k = std::min(len(rng), streams[c].audio.size() - pos[c]);
    multi.push(static_cast<int>(c), std::span(streams[c].audio).subspan(pos[c], k));
    pos[c] += k;
    if (rng() % 3 == 0) multi.process();
  }
  multi.process();

  int highlights = 0, revisions = 0;
  for (std::size_t c = 0; c < n; ++c) {
    INFO("stream " << c);
    const Scored want = alone(p, streams[c]);
    REQUIRE(got[c].frames.size() == want.frames.size());
    for (std::size_t f = 0; f < want.frames.size(); ++f) {
      CHECK(same_bits(got[c].frames[f], want.frames[f]));
      CHECK(got[c].times[f] == want.times[f]);
    }
    CHECK(got[c].chat_asked == want.chat_asked);  // once per frame, in order
    // The same highlights and revisions, in the same order, field for field.
    REQUIRE(got[c].highlights.size() == want.highlights.size());
    for (std::size_t i = 0; i < want.highlights.size(); ++i) CHECK(same_highlight(got[c].highlights[i], want.highlights[i]));
    // Alone, the result holds each highlight as its last revision told it.
    std::vector<Highlight> last;
    for (const Highlight& h : want.highlights) {
      if (h.revision == 0) last.push_back(h);
      else REQUIRE((!last.empty() && last.back().id == h.id && last.back().revision + 1 == h.revision));
      last.back() = h;
    }
    REQUIRE(want.result.size() == last.size());
    for (std::size_t i = 0; i < last.size(); ++i) {
      CHECK(want.result[i].id == last[i].id);
      CHECK(want.result[i].revision == last[i].revision);
      CHECK(want.result[i].time_s == last[i].time_s);
      CHECK(want.result[i].score == last[i].score);
    }
    highlights += static_cast<int>(last.size());
    revisions += static_cast<int>(want.highlights.size() - last.size());
  }
  // Each stream is a young channel (fusion.start_threshold, then its typical burst to beat), so not
  // every burst fires; the first after warm-up in each stream with one does.
  CHECK(highlights >= 4);
  CHECK(revisions >= 1);  // the picker's open-highlight state is per stream too
  // 1,750 blocks in all: ticks serving one stream each, 5 blocks at most, would take 350 or more.
  CHECK(ticks < 350);
}

TEST_CASE("a multi-stream detector refuses a backend of another size and modes that need the future") {
  DetectorParams p;
  p.chat_centred = false;
  std::vector<MultiStreamDetector::Stream> two(2);
  CHECK_THROWS_AS(MultiStreamDetector(p, make_cpu_backend(p, 1), two), std::invalid_argument);
  p.chat_centred = true;  // chat not yet sent cannot be looked ahead at
  CHECK_THROWS_AS(MultiStreamDetector(p, make_cpu_backend(p, 2), two), std::invalid_argument);
  p.chat_centred = false;
  p.z_mode = ZMode::Global;
  CHECK_THROWS_AS(MultiStreamDetector(p, make_cpu_backend(p, 2), two), std::invalid_argument);
  p.z_mode = ZMode::Running;

  // The backend checks its slots: each a channel it has, none twice, one block count each.
  auto backend = make_cpu_backend(p, 3);
  std::vector<float> samples(2 * static_cast<std::size_t>(p.hop_len())), chat(2);
  std::vector<HopFeatures> out(2);
  const std::vector<int> one = {1, 1};
  CHECK_THROWS_AS(backend->tick_some(samples, chat, 1, std::vector<int>{0, 0}, one, out), std::invalid_argument);
  CHECK_THROWS_AS(backend->tick_some(samples, chat, 1, std::vector<int>{0, 3}, one, out), std::invalid_argument);
  CHECK_THROWS_AS(backend->tick_some(samples, chat, 1, std::vector<int>{0, 2}, std::vector<int>{1}, out),
                  std::invalid_argument);
  CHECK_NOTHROW(backend->tick_some(samples, chat, 1, std::vector<int>{2, 0}, one, out));
  CHECK_NOTHROW(backend->tick_some({}, {}, 1, {}, {}, {}));  // no slot: nothing to do
}

namespace {

// A stream fed the way a live channel is: chat per frame from its bins, every frame and highlight kept.
MultiStreamDetector::Stream live_stream(const TestStream& s, Scored& got) {
  return {[&s, &got](long long frame) {
            got.chat_asked.push_back(frame);
            return s.chat_bins[static_cast<std::size_t>(frame)];
          },
          [&got](double t, const HopFeatures& f) {
            got.times.push_back(t);
            got.frames.push_back(f);
          },
          [&got](const Highlight& h) { got.highlights.push_back(h); },
          std::nullopt, std::nullopt};
}

void check_same(const Scored& got, const Scored& want) {
  REQUIRE(got.frames.size() == want.frames.size());
  for (std::size_t f = 0; f < want.frames.size(); ++f) CHECK(same_bits(got.frames[f], want.frames[f]));
  CHECK(got.chat_asked == want.chat_asked);
  REQUIRE(got.highlights.size() == want.highlights.size());
  for (std::size_t i = 0; i < want.highlights.size(); ++i) CHECK(same_highlight(got.highlights[i], want.highlights[i]));
}

void push_all(MultiStreamDetector& d, int stream, const std::vector<float>& audio, std::size_t from, std::size_t to) {
  for (std::size_t at = from; at < to; at += 16000) {
    d.push(stream, std::span(audio).subspan(at, std::min<std::size_t>(16000, to - at)));
    d.process();
  }
}

}  // namespace

TEST_CASE("without a CUDA backend there are no send-ahead rings: samples are pushed") {
  DetectorParams p;
  p.chat_centred = false;
  MultiStreamDetector multi(p, make_cpu_backend(p, 1), std::vector<MultiStreamDetector::Stream>(1));
  CHECK(multi.open_stage() == nullptr);
  CHECK_THROWS_AS(multi.use_stage(0, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(multi.push_staged(0, 10), std::logic_error);
}

TEST_CASE("streams that join and leave while others run score as each would alone, in reused backend slots") {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;
  const TestStream a = make_stream(p, 220, {90, 170}, 11);
  TestStream b = make_stream(p, 200, {80, 150}, 12);
  const TestStream c = make_stream(p, 160, {100}, 13);
  const TestStream d = make_stream(p, 150, {90}, 14);
  Scored got_a, got_b, got_c, got_d;

  // A session that starts with no stream at all (discovery has not listed any yet).
  MultiStreamDetector multi(p, make_cpu_backend(p, 1), {});
  CHECK(multi.streams() == 0);
  const int ia = multi.add_stream(live_stream(a, got_a));
  const int ib = multi.add_stream(live_stream(b, got_b));  // no free channel: the backend grows
  CHECK(ia == 0);
  CHECK(ib == 1);
  CHECK(multi.backend().channels() == 2);
  const std::size_t half = a.audio.size() / 2;
  push_all(multi, ia, a.audio, 0, half);
  // b leaves after 170 s, in the middle of its burst at 150 s: the highlight still growing goes out
  // now, as it would at the end of a replay of what b sent.
  const std::size_t b_sent = static_cast<std::size_t>(170 * p.sample_rate_hz) + 1234;
  push_all(multi, ib, b.audio, 0, b_sent);
  multi.remove_stream(ib);
  CHECK(multi.streams() == 1);
  CHECK_THROWS_AS(multi.push(ib, std::span(b.audio).first(10)), std::out_of_range);
  b.audio.resize(b_sent);
  const Scored want_b = alone(p, b);
  check_same(got_b, want_b);
  CHECK(!want_b.highlights.empty());

  // c takes b's channel, fresh: nothing of b's statistics or chat box carries over.
  const int ic = multi.add_stream(live_stream(c, got_c));
  CHECK(ic == ib);
  CHECK(multi.backend().channels() == 2);
  push_all(multi, ia, a.audio, half, a.audio.size());
  const int id = multi.add_stream(live_stream(d, got_d));  // grows again, the others keep their state
  CHECK(id == 2);
  CHECK(multi.backend().channels() == 4);
  push_all(multi, ic, c.audio, 0, c.audio.size());
  push_all(multi, id, d.audio, 0, d.audio.size());
  multi.finish();
  {
    INFO("stream a");
    check_same(got_a, alone(p, a));
  }
  {
    INFO("stream c");
    check_same(got_c, alone(p, c));
  }
  {
    INFO("stream d");
    check_same(got_d, alone(p, d));
  }
}

namespace {

// The CPU backend, with every tick_some's slots written down.
class SlotLog final : public Backend {
 public:
  explicit SlotLog(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  std::string device() const override { return inner_->device(); }
  int channels() const override { return inner_->channels(); }
  void grow(int channels) override { inner_->grow(channels); }
  void reset_channel(int channel) override { inner_->reset_channel(channel); }
  void prime_chat(std::span<const float> history) override { inner_->prime_chat(history); }
  void tick(std::span<const float> samples, std::span<const float> chat, int hops, std::span<HopFeatures> out) override {
    whole_ticks++;
    inner_->tick(samples, chat, hops, out);
  }
  void tick_some(std::span<const float> samples, std::span<const float> chat, int hops, std::span<const int> channels,
                 std::span<const int> blocks, std::span<HopFeatures> out) override {
    ticks.emplace_back(channels.begin(), channels.end());
    inner_->tick_some(samples, chat, hops, channels, blocks, out);
  }
  void score_global(std::span<HopFeatures> series) override { inner_->score_global(series); }

  std::vector<std::vector<int>> ticks;  // each tick_some's channels
  int whole_ticks = 0;

 private:
  std::unique_ptr<Backend> inner_;
};

}  // namespace

TEST_CASE("idle channels take no slot in a tick: a backend computes only for channels with audio") {
  DetectorParams p;
  p.chat_centred = false;
  const int channels = 40;
  const std::vector<int> busy = {3, 17, 38};  // the others are followed but send nothing
  auto log = std::make_unique<SlotLog>(make_cpu_backend(p, channels));
  SlotLog& slots = *log;
  std::vector<MultiStreamDetector::Stream> io(channels);
  std::vector<long long> frames(channels, 0);
  for (int c = 0; c < channels; ++c) {
    io[static_cast<std::size_t>(c)].chat_for_frame = [](long long) { return 0.0f; };
    io[static_cast<std::size_t>(c)].on_frame = [&frames, c](double, const HopFeatures&) { ++frames[static_cast<std::size_t>(c)]; };
  }
  MultiStreamDetector multi(p, std::move(log), std::move(io));
  const auto audio = test::synth_audio(20, {10}, 5);
  const std::size_t step = static_cast<std::size_t>(p.hop_len()) * 3 + 17;  // uneven: not whole hops
  for (std::size_t pos = 0; pos < audio.size(); pos += step) {
    const auto chunk = std::span(audio).subspan(pos, std::min(step, audio.size() - pos));
    for (int c : busy) multi.push(c, chunk);
    multi.process();
  }
  REQUIRE(!slots.ticks.empty());
  CHECK(slots.whole_ticks == 0);
  for (const auto& tick : slots.ticks) {
    CHECK(tick.size() <= busy.size());
    for (int c : tick) CHECK(std::find(busy.begin(), busy.end(), c) != busy.end());
  }
  for (int c = 0; c < channels; ++c) {
    INFO(c);
    const bool is_busy = std::find(busy.begin(), busy.end(), c) != busy.end();
    CHECK((frames[static_cast<std::size_t>(c)] > 0) == is_busy);
  }
}
