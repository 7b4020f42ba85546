// The CUDA backend against the CPU reference when live streams arrive unevenly: MultiStreamDetector
// hands each tick only the streams with blocks waiting, and the blocks each has (Backend::tick_some),
// writing them straight into the CUDA backend's pinned buffer; or, sent ahead, each stream's samples
// written into its ring by another thread and the detector told only how many arrived.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/multi_stream_detector.hpp"
#include "gpu/backend.hpp"
#include "gpu_test_signals.hpp"
#include "parity_check.hpp"

using namespace hyped;

namespace {

struct Run {
  std::vector<std::vector<HopFeatures>> frames;
  std::vector<std::vector<Highlight>> highlights;
  int ticks = 0;
  long long ring_full = 0;  // writes a full ring cut short
};

// Hands a stream's chunk to the detector: pushed, or written into its ring on a thread of its own (as
// an ingest thread does) and announced; a full ring is drained by scoring and written again.
void hand_over(MultiStreamDetector& multi, int stream, StageRing* ring, std::span<const float> chunk, Run& r) {
  if (!ring) {
    multi.push(stream, chunk);
    return;
  }
  while (!chunk.empty()) {
    std::size_t taken = 0;
    std::thread([&] { taken = ring->write(chunk); }).join();
    multi.push_staged(stream, static_cast<long long>(taken));
    chunk = chunk.subspan(taken);
    if (!chunk.empty()) {
      ++r.ring_full;
      multi.process();
    }
  }
}

// Pushes every stream's samples in chunks of random size, streams in random order, scoring after a
// random number of pushes; the same schedule for either backend.
Run run_streams(const DetectorParams& p, std::unique_ptr<Backend> backend, const std::vector<double>& seconds,
                bool staged = false) {
  const test::SyntheticStreams input;
  const auto n = seconds.size();
  Run r;
  r.frames.resize(n);
  r.highlights.resize(n);
  std::vector<MultiStreamDetector::Stream> io;
  for (std::size_t c = 0; c < n; ++c)
    io.push_back({[&input, &p, c](long long frame) { return input.chat(static_cast<int>(c), frame + p.frame_hops() - 1, p); },
                  [&r, c](double, const HopFeatures& f) { r.frames[c].push_back(f); },
                  [&r, c](const Highlight& h) { r.highlights[c].push_back(h); },
                  std::nullopt, std::nullopt});
  MultiStreamDetector multi(p, std::move(backend), std::move(io), 8);
  multi.on_tick = [&r](double) { ++r.ticks; };
  std::vector<std::shared_ptr<StageRing>> rings(n);
  if (staged)
    for (std::size_t c = 0; c < n; ++c) {
      rings[c] = multi.open_stage();
      REQUIRE(rings[c]);
      multi.use_stage(static_cast<int>(c), rings[c]);
    }
  std::mt19937 rng(11);
  std::uniform_int_distribution<long long> len(1, 60000);
  std::vector<long long> pos(n, 0);
  std::vector<float> chunk;
  for (;;) {
    std::vector<std::size_t> open;
    for (std::size_t c = 0; c < n; ++c)
      if (pos[c] < static_cast<long long>(seconds[c] * p.sample_rate_hz)) open.push_back(c);
    if (open.empty()) break;
    const std::size_t c = open[rng() % open.size()];
    const long long end = std::min(pos[c] + len(rng), static_cast<long long>(seconds[c] * p.sample_rate_hz));
    chunk.resize(static_cast<std::size_t>(end - pos[c]));
    for (long long i = pos[c]; i < end; ++i)
      chunk[static_cast<std::size_t>(i - pos[c])] = input.sample(static_cast<int>(c), i, p.sample_rate_hz);
    hand_over(multi, static_cast<int>(c), rings[c].get(), chunk, r);
    pos[c] = end;
    if (rng() % 4 == 0) multi.process();
  }
  multi.process();
  return r;
}

}  // namespace

namespace {

void check_uneven(bool staged) {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;
  p.w_hf = 0.3;
  const std::vector<double> seconds = {300, 240, 75, 300, 180, 260, 30, 290, 220};  // some end early
  const int channels = static_cast<int>(seconds.size());
  const Run cpu = run_streams(p, make_cpu_backend(p, channels), seconds);
  const Run cuda = run_streams(p, make_cuda_backend(p, channels), seconds, staged);
  if (staged) {
    CHECK(cuda.ring_full > 0);  // the writers ran a ring full, and the detector caught up
  } else {
    CHECK(cpu.ticks == cuda.ticks);
  }
  test::ParityReport report;
  long long highlights = 0;
  for (int c = 0; c < channels; ++c) {
    const auto& a = cpu.frames[static_cast<std::size_t>(c)];
    const auto& b = cuda.frames[static_cast<std::size_t>(c)];
    REQUIRE(a.size() == b.size());
    test::ZSlack slack(p);
    for (std::size_t f = 0; f < a.size(); ++f)
      report.compare(a[f], b[f], "channel " + std::to_string(c) + " frame " + std::to_string(f), slack.next(a[f]));
    const std::string diff =
        test::diff_highlights(cpu.highlights[static_cast<std::size_t>(c)], cuda.highlights[static_cast<std::size_t>(c)]);
    INFO("channel " << c << ": " << diff);
    CHECK(diff.empty());
    highlights += static_cast<long long>(cpu.highlights[static_cast<std::size_t>(c)].size());
  }
  MESSAGE((staged ? "sent ahead, " : "") << "uneven streams, " << channels << " channels, " << cpu.ticks << " ticks: " << report.summary() << "; "
                             << highlights << " highlights, identical on both backends");
  INFO(report.first_mismatch());
  CHECK(report.mismatches() == 0);
  CHECK(highlights > 0);
}

}  // namespace

TEST_CASE("CUDA matches the CPU reference for unevenly arriving streams through one backend") { check_uneven(false); }

TEST_CASE("CUDA matches the CPU reference for unevenly arriving streams sent ahead through rings") {
  check_uneven(true);
}

namespace {

// Streams joining and leaving: the backend starts with one channel and grows; a stream leaves halfway
// and the next takes its channel. Stream k's frames and highlights, by the order streams joined.
Run run_churn(const DetectorParams& p, std::unique_ptr<Backend> backend, bool staged = false) {
  const test::SyntheticStreams input;
  const std::vector<double> seconds = {240, 120, 200, 180, 150};
  Run r;
  r.frames.resize(seconds.size());
  r.highlights.resize(seconds.size());
  MultiStreamDetector multi(p, std::move(backend), {}, 8);
  multi.on_tick = [&r](double) { ++r.ticks; };
  std::vector<int> slot(seconds.size(), -1);
  std::vector<std::shared_ptr<StageRing>> rings(seconds.size());
  std::vector<long long> pos(seconds.size(), 0);
  std::vector<float> chunk;
  const auto join = [&](std::size_t k) {
    slot[k] = multi.add_stream({[&input, &p, k](long long frame) {
                                  return input.chat(static_cast<int>(k), frame + p.frame_hops() - 1, p);
                                },
                                [&r, k](double, const HopFeatures& f) { r.frames[k].push_back(f); },
                                [&r, k](const Highlight& h) { r.highlights[k].push_back(h); }, std::nullopt,
                                std::nullopt});
    if (staged) {
      rings[k] = multi.open_stage();
      multi.use_stage(slot[k], rings[k]);
    }
  };
  const auto feed = [&](std::size_t k, double until_s) {
    const auto end = static_cast<long long>(std::min(until_s, seconds[k]) * p.sample_rate_hz);
    while (pos[k] < end) {
      const long long to = std::min(end, pos[k] + 24000);
      chunk.resize(static_cast<std::size_t>(to - pos[k]));
      for (long long i = pos[k]; i < to; ++i)
        chunk[static_cast<std::size_t>(i - pos[k])] = input.sample(static_cast<int>(k), i, p.sample_rate_hz);
      hand_over(multi, slot[k], rings[k].get(), chunk, r);
      pos[k] = to;
      multi.process();
    }
  };
  for (std::size_t k = 0; k < 3; ++k) join(k);
  for (double t = 10; t <= 250; t += 10) {
    for (std::size_t k = 0; k < seconds.size(); ++k)
      if (slot[k] >= 0) feed(k, t);
    if (t == 100) {
      multi.remove_stream(slot[1]);  // leaves early: its channel (and ring) go to stream 3
      slot[1] = -1;
      rings[1].reset();
      join(3);
    }
    if (t == 150) join(4);  // grows while the others keep their state
  }
  multi.finish();
  return r;
}

}  // namespace

namespace {

void check_churn(bool staged) {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;
  p.w_hf = 0.3;
  const Run cpu = run_churn(p, make_cpu_backend(p, 1));
  const Run cuda = run_churn(p, make_cuda_backend(p, 1), staged);
  if (!staged) CHECK(cpu.ticks == cuda.ticks);
  test::ParityReport report;
  for (std::size_t c = 0; c < cpu.frames.size(); ++c) {
    REQUIRE(cpu.frames[c].size() == cuda.frames[c].size());
    test::ZSlack slack(p);
    for (std::size_t f = 0; f < cpu.frames[c].size(); ++f)
      report.compare(cpu.frames[c][f], cuda.frames[c][f], "stream " + std::to_string(c) + " frame " + std::to_string(f),
                     slack.next(cpu.frames[c][f]));
    const std::string diff = test::diff_highlights(cpu.highlights[c], cuda.highlights[c]);
    INFO("stream " << c << ": " << diff);
    CHECK(diff.empty());
  }
  INFO(report.first_mismatch());
  CHECK(report.mismatches() == 0);
}

}  // namespace

TEST_CASE("CUDA matches the CPU reference while streams join and leave, in grown and reused channels") {
  check_churn(false);
}

TEST_CASE("CUDA matches the CPU reference while streams sent ahead join and leave, their rings reused") {
  check_churn(true);
}

TEST_CASE("send-ahead rings refuse what would mix up a stream's samples") {
  DetectorParams p;
  p.chat_centred = false;
  MultiStreamDetector multi(p, make_cuda_backend(p, 3), std::vector<MultiStreamDetector::Stream>(3));
  const auto ring = multi.open_stage();
  REQUIRE(ring);
  CHECK(ring->capacity_blocks() >= 8);
  multi.use_stage(0, ring);
  const std::vector<float> hop(static_cast<std::size_t>(p.hop_len()), 0.25f);
  CHECK_THROWS_AS(multi.push(0, hop), std::logic_error);         // its samples come through the ring
  CHECK_THROWS_AS(multi.push_staged(0, 1), std::logic_error);    // more than was written
  CHECK_THROWS_AS(multi.push_staged(1, 1), std::logic_error);    // stream 1 has no ring
  REQUIRE(ring->write(hop) == hop.size());
  multi.push_staged(0, p.hop_len());
  multi.push(1, hop);
  CHECK_THROWS_AS(multi.use_stage(1, multi.open_stage()), std::logic_error);  // after its first samples
  multi.process();
  CHECK(multi.frames(0) == multi.frames(1));

  // A full ring takes what fits and no more, until ticks free its blocks.
  const auto other = multi.open_stage();
  const std::vector<float> many(static_cast<std::size_t>(p.hop_len()) * (other->capacity_blocks() + 3), 0.1f);
  CHECK(other->write(many) == static_cast<std::size_t>(p.hop_len()) * other->capacity_blocks());
  CHECK(other->write(hop) == 0);

  // A ring from another backend is not this one's to read.
  MultiStreamDetector elsewhere(p, make_cuda_backend(p, 1), std::vector<MultiStreamDetector::Stream>(1));
  const auto foreign = elsewhere.open_stage();
  REQUIRE(foreign->write(hop) == hop.size());
  multi.use_stage(2, foreign);
  multi.push_staged(2, p.hop_len());
  CHECK_THROWS_AS(multi.process(), std::invalid_argument);
}
