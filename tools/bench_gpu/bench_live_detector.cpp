// The live detector thread's cost: N streams through one MultiStreamDetector, one process() per
// 0.5 s round, audio arriving in one of two patterns:
//   hops:     every stream hands over a hop each round, but 1 in 5 is late and hands two the next;
//   segments: each stream hands over a 2 s segment (4 hops) every 4th round, a quarter of the streams
//             each round (Twitch's audio_only segments, staggered across channels).
// Prints per-round latency and detector-thread CPU per stream and round for the CPU and (where
// usable) CUDA backends, side by side. On CUDA it runs twice: samples pushed on the detector thread
// (copied into page-locked memory by the tick), and sent ahead: ingest threads write each stream's
// samples into its ring (MultiStreamDetector::open_stage), as `hyped live`'s do, and the detector is
// told only how many arrived; their CPU per stream and round is printed too.
//   bench_live_detector [--streams 100,1000,5000] [--rounds 60] [--backend both|cpu|cuda] [--writers N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/multi_stream_detector.hpp"
#include "gpu/backend.hpp"

using namespace hyped;

namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void run(const DetectorParams& p, BackendKind kind, int streams, int rounds, bool segments, int writers,
         bool staged) {
  std::vector<MultiStreamDetector::Stream> io(static_cast<std::size_t>(streams));
  long long frames = 0;
  for (auto& s : io) {
    s.chat_for_frame = [](long long frame) { return static_cast<float>(frame % 7); };
    s.on_frame = [&frames](double, const HopFeatures&) { ++frames; };
  }
  MultiStreamDetector det(p, make_backend(kind, p, streams), std::move(io));
  std::vector<std::shared_ptr<StageRing>> rings;
  if (staged) {
    for (int c = 0; c < streams; ++c) {
      rings.push_back(det.open_stage());
      det.use_stage(c, rings.back());
    }
  }
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::vector<float> hop(static_cast<std::size_t>(p.hop_len()));
  for (float& v : hop) v = noise(rng);
  std::vector<int> owed(static_cast<std::size_t>(streams), 0);
  std::vector<int> due(static_cast<std::size_t>(streams), 0);
  std::vector<double> ms;
  double cpu = 0;
  std::vector<double> writer_cpu(static_cast<std::size_t>(writers), 0.0);
  std::vector<long long> lost(static_cast<std::size_t>(writers), 0);
  for (int r = 0; r < rounds + 5; ++r) {
    for (int c = 0; c < streams; ++c) {
      int& o = owed[static_cast<std::size_t>(c)];
      ++o;
      due[static_cast<std::size_t>(c)] = 0;
      if (segments ? (r + c) % 4 != 0 : rng() % 5 == 0) continue;  // not yet: more next time
      due[static_cast<std::size_t>(c)] = std::exchange(o, 0);
    }
    if (staged) {
      // Ingest threads write their streams' audio into the rings (each block's copy starts as it
      // completes), then the detector thread is told what arrived.
      std::vector<std::thread> threads;
      for (int w = 0; w < writers; ++w)
        threads.emplace_back([&, w] {
          const double c0 = thread_cpu_s();
          for (int c = w; c < streams; c += writers)
            for (int h = 0; h < due[static_cast<std::size_t>(c)]; ++h)
              lost[static_cast<std::size_t>(w)] +=
                  static_cast<long long>(hop.size() - rings[static_cast<std::size_t>(c)]->write(hop));
          if (r >= 5) writer_cpu[static_cast<std::size_t>(w)] += thread_cpu_s() - c0;
        });
      for (auto& t : threads) t.join();
      for (int c = 0; c < streams; ++c)
        if (const int n = due[static_cast<std::size_t>(c)]; n > 0)
          det.push_staged(c, static_cast<long long>(n) * p.hop_len());
    } else {
      for (int c = 0; c < streams; ++c)
        for (int h = 0; h < due[static_cast<std::size_t>(c)]; ++h) det.push(c, hop);
    }
    const double c0 = thread_cpu_s();
    const auto t0 = std::chrono::steady_clock::now();
    det.process();
    const double dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 5) {  // after buffers and graphs have settled
      ms.push_back(dt);
      cpu += thread_cpu_s() - c0;
    }
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2], p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  const std::string name = det.backend().name() + (staged ? "+ahead" : "");
  std::printf("%-10s %-8s %6d streams: per round median %8.3f ms  p99 %8.3f ms  %7.2f us CPU/stream", name.c_str(),
              segments ? "segments" : "hops", streams, median, p99, cpu / rounds / streams * 1e6);
  if (staged) {
    double wcpu = 0;
    long long dropped = 0;
    for (int w = 0; w < writers; ++w) {
      wcpu += writer_cpu[static_cast<std::size_t>(w)];
      dropped += lost[static_cast<std::size_t>(w)];
    }
    std::printf("  ingest %6.2f us CPU/stream  %lld samples lost", wcpu / rounds / streams * 1e6, dropped);
  }
  std::printf("  (%lld frames)\n", frames);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> counts = {100, 1000, 5000};
  int rounds = 60;
  std::string which = "both";
  int writers = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 2);
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--streams") {
      counts.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string n; std::getline(ss, n, ',');) counts.push_back(std::atoi(n.c_str()));
    } else if (a == "--writers") {
      writers = std::max(1, std::atoi(argv[i + 1]));
    } else if (a == "--rounds") {
      rounds = std::max(1, std::atoi(argv[i + 1]));
    } else if (a == "--backend" && (std::string(argv[i + 1]) == "both" || std::string(argv[i + 1]) == "cpu" ||
                                    std::string(argv[i + 1]) == "cuda")) {
      which = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: bench_live_detector [--streams 100,1000,5000] [--rounds 60] [--backend both|cpu|cuda] [--writers N]\n");
      return 2;
    }
  }
  DetectorParams p;
  p.chat_centred = false;
  const CudaAvailability cuda = cuda_availability();
  std::printf("bench_live_detector: %s\n", cuda.usable ? cuda.reason.c_str() : ("no CUDA: " + cuda.reason).c_str());
  for (int n : counts) {
    for (const bool segments : {false, true}) {
      if (which != "cuda") run(p, BackendKind::Cpu, n, rounds, segments, writers, false);
      if (which != "cpu" && cuda.usable) {
        run(p, BackendKind::Cuda, n, rounds, segments, writers, false);
        run(p, BackendKind::Cuda, n, rounds, segments, writers, true);
      }
    }
  }
  return 0;
}
