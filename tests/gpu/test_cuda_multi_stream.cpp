// The CUDA backend against the CPU reference when live streams arrive unevenly: MultiStreamDetector
// hands each tick only the streams with blocks waiting, and the blocks each has (Backend::tick_some),
// writing them straight into the CUDA backend's pinned buffer.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
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
};

// Pushes every stream's samples in chunks of random size, streams in random order, scoring after a
// random number of pushes; the same schedule for either backend.
Run run_streams(const DetectorParams& p, std::unique_ptr<Backend> backend, const std::vector<double>& seconds) {
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
    multi.push(static_cast<int>(c), chunk);
    pos[c] = end;
    if (rng() % 4 == 0) multi.process();
  }
  multi.process();
  return r;
}

}  // namespace

TEST_CASE("CUDA matches the CPU reference for unevenly arriving streams through one backend") {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;
  p.w_hf = 0.3;
  const std::vector<double> seconds = {300, 240, 75, 300, 180, 260, 30, 290, 220};  // some end early
  const int channels = static_cast<int>(seconds.size());
  const Run cpu = run_streams(p, make_cpu_backend(p, channels), seconds);
  const Run cuda = run_streams(p, make_cuda_backend(p, channels), seconds);
  CHECK(cpu.ticks == cuda.ticks);
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
  MESSAGE("uneven streams, " << channels << " channels, " << cpu.ticks << " ticks: " << report.summary() << "; "
                             << highlights << " highlights, identical on both backends");
  INFO(report.first_mismatch());
  CHECK(report.mismatches() == 0);
  CHECK(highlights > 0);
}

namespace {

// Streams joining and leaving: the backend starts with one channel and grows; a stream leaves halfway
// and the next takes its channel. Stream k's frames and highlights, by the order streams joined.
Run run_churn(const DetectorParams& p, std::unique_ptr<Backend> backend) {
  const test::SyntheticStreams input;
  const std::vector<double> seconds = {240, 120, 200, 180, 150};
  Run r;
  r.frames.resize(seconds.size());
  r.highlights.resize(seconds.size());
  MultiStreamDetector multi(p, std::move(backend), {}, 8);
  multi.on_tick = [&r](double) { ++r.ticks; };
  std::vector<int> slot(seconds.size(), -1);
  std::vector<long long> pos(seconds.size(), 0);
  std::vector<float> chunk;
  const auto join = [&](std::size_t k) {
    slot[k] = multi.add_stream({[&input, &p, k](long long frame) {
                                  return input.chat(static_cast<int>(k), frame + p.frame_hops() - 1, p);
                                },
                                [&r, k](double, const HopFeatures& f) { r.frames[k].push_back(f); },
                                [&r, k](const Highlight& h) { r.highlights[k].push_back(h); }, std::nullopt,
                                std::nullopt});
  };
  const auto feed = [&](std::size_t k, double until_s) {
    const auto end = static_cast<long long>(std::min(until_s, seconds[k]) * p.sample_rate_hz);
    while (pos[k] < end) {
      const long long to = std::min(end, pos[k] + 24000);
      chunk.resize(static_cast<std::size_t>(to - pos[k]));
      for (long long i = pos[k]; i < to; ++i)
        chunk[static_cast<std::size_t>(i - pos[k])] = input.sample(static_cast<int>(k), i, p.sample_rate_hz);
      multi.push(slot[k], chunk);
      pos[k] = to;
      multi.process();
    }
  };
  for (std::size_t k = 0; k < 3; ++k) join(k);
  for (double t = 10; t <= 250; t += 10) {
    for (std::size_t k = 0; k < seconds.size(); ++k)
      if (slot[k] >= 0) feed(k, t);
    if (t == 100) {
      multi.remove_stream(slot[1]);  // leaves early: its channel goes to stream 3
      slot[1] = -1;
      join(3);
    }
    if (t == 150) join(4);  // grows while the others keep their state
  }
  multi.finish();
  return r;
}

}  // namespace

TEST_CASE("CUDA matches the CPU reference while streams join and leave, in grown and reused channels") {
  DetectorParams p;
  p.chat_centred = false;
  p.w_flux = 0.3;
  p.w_hf = 0.3;
  const Run cpu = run_churn(p, make_cpu_backend(p, 1));
  const Run cuda = run_churn(p, make_cuda_backend(p, 1));
  CHECK(cpu.ticks == cuda.ticks);
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
