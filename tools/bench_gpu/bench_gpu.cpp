// GPU benchmarks behind docs/BENCHMARKS.md: the 1 h whole-file pipeline against its 0.15 ms target, and
// channel sweeps of the streaming tick (one 0.5 s hop per channel per tick) that show how many channels
// one GPU keeps under the tick-latency budget, with host CPU cost per channel.
//   bench_gpu [--hours H] [--budget-ms MS] [--json FILE] [--max-channels N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/detector_params.hpp"
#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"
#include "gpu/cuda_ops.hpp"

namespace {

using namespace hyped;
using Clock = std::chrono::steady_clock;

struct Options {
  double hours = 1.0;
  double budget_ms = 5.0;
  int max_channels = 80000;
  std::string json;
};

// How the samples reach the backend:
//   copied: an ordinary host span (the Backend interface as replay uses it), copied into pinned staging;
//   pinned: written straight into the backend's pinned buffer, copied to the device by the tick;
//   ahead:  pinned, and 7/8 of the channels sent to the device during the hop (send_ahead), as a live
//           ingest does when channels finish their hops at different times; the tick sends the rest.
enum class Input { Copied, Pinned, Ahead };
const char* name(Input i) { return i == Input::Copied ? "copied" : i == Input::Pinned ? "pinned" : "ahead"; }

struct TickConfig {
  Input input = Input::Pinned;
  bool graphs = true;
  bool spin = true;
};

struct TickResult {
  int channels = 0;
  TickConfig cfg;
  double median_ms = 0, p99_ms = 0, max_ms = 0, gpu_ms = 0, cpu_us_per_channel = 0;
};

double pick(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

// CPU time of the whole process: the staging copy runs on several threads.
double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void fill_noise(std::span<float> x, std::uint64_t seed) {
  for (float& v : x) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    v = static_cast<float>(static_cast<double>(seed >> 11) * 0x1.0p-53 - 0.5) * 0.2f;
  }
}

// Stands for the rest of the 0.5 s hop, during which the copies sent ahead finish: long enough for
// them at a conservative 20 GB/s, plus 5 ms, and much shorter than a real hop.
std::chrono::microseconds hop_pause(std::size_t floats_sent) {
  return std::chrono::microseconds(5000 + static_cast<long long>(static_cast<double>(floats_sent) * 4 / 20e9 * 1e6));
}

TickResult bench_tick(const DetectorParams& p, int channels, const TickConfig& cfg, int reps) {
  auto backend = make_cuda_backend(p, channels);
  CudaBackendExtras* cuda = cuda_extras(*backend);
  cuda->use_graphs(cfg.graphs);
  cuda->use_spin_wait(cfg.spin);
  const std::size_t per_channel = static_cast<std::size_t>(p.hop_len());
  const std::size_t n = static_cast<std::size_t>(channels) * per_channel;
  std::vector<float> host(cfg.input == Input::Copied ? n : 0);
  std::span<float> samples = cfg.input == Input::Copied ? std::span<float>(host) : cuda->pinned_samples(1);
  fill_noise(samples, 0x1234567ULL + static_cast<std::uint64_t>(channels));
  std::vector<float> chat(static_cast<std::size_t>(channels), 1.0f);
  std::vector<HopFeatures> out(static_cast<std::size_t>(channels));
  const std::size_t ahead = static_cast<std::size_t>(channels - channels / 8) * per_channel;
  std::vector<double> wall, gpu, cpu;
  for (int r = 0; r < reps + 5; ++r) {
    double c0 = cpu_s();
    if (cfg.input == Input::Ahead) {
      cuda->send_ahead(0, ahead);
      const double sent_cpu = cpu_s() - c0;
      std::this_thread::sleep_for(hop_pause(ahead));
      c0 = cpu_s() - sent_cpu;
    }
    const auto t0 = Clock::now();
    backend->tick(samples, chat, 1, out);
    const double w = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const double c = cpu_s() - c0;
    if (r < 5) continue;  // allocation, planning, graph capture
    wall.push_back(w);
    gpu.push_back(cuda->last_tick_gpu_ms());
    cpu.push_back(c);
  }
  return {channels,
          cfg,
          pick(wall, 0.5),
          pick(wall, 0.99),
          pick(wall, 1.0),
          pick(gpu, 0.5),
          pick(cpu, 0.5) * 1e6 / channels};
}

void print_tick(const TickResult& t) {
  std::printf("%8d  %-7s %-6s %-5s %9.3f %9.3f %9.3f %9.3f %10.3f\n", t.channels, name(t.cfg.input),
              t.cfg.graphs ? "graph" : "direct", t.cfg.spin ? "spin" : "sleep", t.median_ms, t.p99_ms, t.max_ms,
              t.gpu_ms, t.cpu_us_per_channel);
  std::fflush(stdout);
}

// Sweeps channel counts; returns the largest measured count whose median and whose p99 tick latency
// stay within the budget (0 when none does).
struct Capacity {
  int by_median = 0;
  int by_p99 = 0;
};

Capacity sweep(const DetectorParams& p, const TickConfig& cfg, const std::vector<int>& counts, const Options& o,
               std::vector<TickResult>& log) {
  Capacity cap;
  for (int c : counts) {
    if (c > o.max_channels) break;
    const TickResult t = bench_tick(p, c, cfg, 200);
    log.push_back(t);
    print_tick(t);
    if (t.median_ms <= o.budget_ms) cap.by_median = std::max(cap.by_median, c);
    if (t.p99_ms <= o.budget_ms) cap.by_p99 = std::max(cap.by_p99, c);
    if (t.median_ms > 1.5 * o.budget_ms) break;  // far past the budget: larger counts tell nothing new
  }
  return cap;
}

std::string json_tick(const TickResult& t) {
  char b[320];
  std::snprintf(b, sizeof b,
                "{\"channels\":%d,\"input\":\"%s\",\"launch\":\"%s\",\"wait\":\"%s\",\"median_ms\":%.4f,"
                "\"p99_ms\":%.4f,\"max_ms\":%.4f,\"gpu_ms\":%.4f,\"host_cpu_us_per_channel\":%.4f}",
                t.channels, name(t.cfg.input), t.cfg.graphs ? "graph" : "direct", t.cfg.spin ? "spin" : "sleep",
                t.median_ms, t.p99_ms, t.max_ms, t.gpu_ms, t.cpu_us_per_channel);
  return b;
}

int run(const Options& o) {
  const CudaAvailability cuda = cuda_availability();
  if (!cuda.usable) {
    std::printf("SKIPPED: %s\n", cuda.reason.c_str());
    return 77;
  }
  const DetectorParams p;
  std::printf("bench_gpu on %s\n\n", cuda.reason.c_str());

  // whole file
  const auto n = static_cast<long long>(o.hours * 3600 * p.sample_rate_hz);
  std::vector<float> signal(static_cast<std::size_t>(n));
  fill_noise(signal, 42);
  CudaWholeFile wf(p, n);
  const OpTiming up = wf.time_upload(signal, 5);
  const OpTiming up_pinned = wf.time_upload_pinned(5);
  const OpTiming rms = wf.time_rms(200);
  const OpTiming zp = wf.time_zscore_peaks(1.5, 200);
  const OpTiming full = wf.time_pipeline(1.5, 200);
  const double gb = static_cast<double>(n) * 4 / 1e9;
  std::printf("whole file, %g h (%.1f MB):\n", o.hours, gb * 1e3);
  std::printf("  upload via pinned staging  wall %8.3f ms  (%5.1f GB/s)\n", up.wall_ms, gb / (up.wall_ms * 1e-3));
  std::printf("  upload from pinned         gpu  %8.3f ms  (%5.1f GB/s)\n", up_pinned.gpu_ms,
              gb / (up_pinned.gpu_ms * 1e-3));
  std::printf("  RMS (energy + frames)      gpu  %8.3f ms  wall %8.3f ms  (%6.0f GB/s)\n", rms.gpu_ms, rms.wall_ms,
              gb / (rms.gpu_ms * 1e-3));
  std::printf("  z-score + peaks            gpu  %8.3f ms  wall %8.3f ms\n", zp.gpu_ms, zp.wall_ms);
  std::printf("  FULL AUDIO PIPELINE        gpu  %8.3f ms  wall %8.3f ms  (%6.0f GB/s; target 0.150 ms for 1 h)\n\n",
              full.gpu_ms, full.wall_ms, gb / (full.gpu_ms * 1e-3));

  // streaming tick
  std::printf("streaming tick, one %.1f s hop per channel, budget %.1f ms (p99):\n", p.hop_s, o.budget_ms);
  std::printf("%8s  %-7s %-6s %-5s %9s %9s %9s %9s %10s\n", "channels", "input", "launch", "wait", "median", "p99",
              "max", "gpu", "cpu us/ch");
  std::vector<TickResult> log;
  for (int c : {1, 1000, 5000})
    for (bool graphs : {false, true})
      for (bool spin : {false, true}) {
        log.push_back(bench_tick(p, c, TickConfig{Input::Pinned, graphs, spin}, 200));
        print_tick(log.back());
      }
  std::printf("sweep (graph launch, spinning wait; 200 ticks per row):\n");
  const Capacity copied = sweep(p, {Input::Copied, true, true}, {250, 500, 750, 1000, 1500, 2000, 3000, 5000}, o, log);
  const Capacity pinned =
      sweep(p, {Input::Pinned, true, true}, {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000}, o, log);
  const Capacity ahead =
      sweep(p, {Input::Ahead, true, true}, {5000, 10000, 20000, 30000, 35000, 40000, 45000, 50000}, o, log);
  std::printf(
      "\nmost channels measured with tick latency <= %.1f ms (median / p99):\n"
      "  copied from host memory            %6d / %6d\n"
      "  written into pinned staging        %6d / %6d\n"
      "  7/8 sent ahead during the hop      %6d / %6d\n",
      o.budget_ms, copied.by_median, copied.by_p99, pinned.by_median, pinned.by_p99, ahead.by_median, ahead.by_p99);

  if (!o.json.empty()) {
    if (FILE* f = std::fopen(o.json.c_str(), "w")) {
      std::fprintf(
          f,
          "{\"device\":\"%s\",\"hours\":%g,\"whole_file\":{\"upload_wall_ms\":%.4f,\"upload_pinned_gpu_ms\":%.4f,"
          "\"rms_gpu_ms\":%.4f,\"zpeaks_gpu_ms\":%.4f,\"pipeline_gpu_ms\":%.4f,\"pipeline_wall_ms\":%.4f},"
          "\"budget_ms\":%g,\"max_channels_median\":{\"copied\":%d,\"pinned\":%d,\"ahead\":%d},"
          "\"max_channels_p99\":{\"copied\":%d,\"pinned\":%d,\"ahead\":%d},\"ticks\":[",
          cuda.reason.c_str(), o.hours, up.wall_ms, up_pinned.gpu_ms, rms.gpu_ms, zp.gpu_ms, full.gpu_ms, full.wall_ms,
          o.budget_ms, copied.by_median, pinned.by_median, ahead.by_median, copied.by_p99, pinned.by_p99, ahead.by_p99);
      for (std::size_t i = 0; i < log.size(); ++i) std::fprintf(f, "%s%s", i ? "," : "", json_tick(log[i]).c_str());
      std::fprintf(f, "]}\n");
      std::fclose(f);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_gpu: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--hours")
      o.hours = std::atof(next());
    else if (a == "--budget-ms")
      o.budget_ms = std::atof(next());
    else if (a == "--max-channels")
      o.max_channels = std::atoi(next());
    else if (a == "--json")
      o.json = next();
    else {
      std::fprintf(stderr, "usage: bench_gpu [--hours H] [--budget-ms MS] [--max-channels N] [--json FILE]\n");
      return 2;
    }
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu: %s\n", e.what());
    return 1;
  }
}
