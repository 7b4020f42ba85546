// The live detector thread's cost: N streams through one MultiStreamDetector, one process() per
// 0.5 s round, audio arriving in one of two patterns:
//   hops:     every stream hands over a hop each round, but 1 in 5 is late and hands two the next;
//   segments: each stream hands over a 2 s segment (4 hops) every 4th round, a quarter of the streams
//             each round (Twitch's audio_only segments, staggered across channels).
// Prints per-round latency and detector-thread CPU per stream and round for the CPU and (where
// usable) CUDA backends, side by side.
//   bench_live_detector [--streams 100,1000,5000] [--rounds 60] [--backend both|cpu|cuda]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <sstream>
#include <string>
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

void run(const DetectorParams& p, BackendKind kind, int streams, int rounds, bool segments) {
  std::vector<MultiStreamDetector::Stream> io(static_cast<std::size_t>(streams));
  long long frames = 0;
  for (auto& s : io) {
    s.chat_for_frame = [](long long frame) { return static_cast<float>(frame % 7); };
    s.on_frame = [&frames](double, const HopFeatures&) { ++frames; };
  }
  MultiStreamDetector det(p, make_backend(kind, p, streams), std::move(io));
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  std::vector<float> hop(static_cast<std::size_t>(p.hop_len()));
  for (float& v : hop) v = noise(rng);
  std::vector<int> owed(static_cast<std::size_t>(streams), 0);
  std::vector<double> ms;
  double cpu = 0;
  for (int r = 0; r < rounds + 5; ++r) {
    for (int c = 0; c < streams; ++c) {
      int& o = owed[static_cast<std::size_t>(c)];
      ++o;
      if (segments ? (r + c) % 4 != 0 : rng() % 5 == 0) continue;  // not yet: more next time
      for (; o > 0; --o) det.push(c, hop);
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
  std::printf("%-5s %-8s %6d streams: per round median %8.3f ms  p99 %8.3f ms  %7.2f us CPU/stream  (%lld frames)\n",
              det.backend().name().c_str(), segments ? "segments" : "hops", streams, median, p99,
              cpu / rounds / streams * 1e6, frames);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> counts = {100, 1000, 5000};
  int rounds = 60;
  std::string which = "both";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--streams") {
      counts.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string n; std::getline(ss, n, ',');) counts.push_back(std::atoi(n.c_str()));
    } else if (a == "--rounds") {
      rounds = std::max(1, std::atoi(argv[i + 1]));
    } else if (a == "--backend" && (std::string(argv[i + 1]) == "both" || std::string(argv[i + 1]) == "cpu" ||
                                    std::string(argv[i + 1]) == "cuda")) {
      which = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: bench_live_detector [--streams 100,1000,5000] [--rounds 60] [--backend both|cpu|cuda]\n");
      return 2;
    }
  }
  DetectorParams p;
  p.chat_centred = false;
  const CudaAvailability cuda = cuda_availability();
  std::printf("bench_live_detector: %s\n", cuda.usable ? cuda.reason.c_str() : ("no CUDA: " + cuda.reason).c_str());
  for (int n : counts) {
    for (const bool segments : {false, true}) {
      if (which != "cuda") run(p, BackendKind::Cpu, n, rounds, segments);
      if (which != "cpu" && cuda.usable) run(p, BackendKind::Cuda, n, rounds, segments);
    }
  }
  return 0;
}
