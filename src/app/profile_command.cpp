// `hyped profile`: the seed's test_gpu.py table — device time vs wall time per operation — for the
// CUDA path (device-resident whole file, streaming tick of many channels) or the CPU reference.
#include "app/profile_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/chat_series.hpp"
#include "core/detector_params.hpp"
#include "core/running_stats.hpp"
#include "gpu/backend.hpp"
#include "gpu/cuda_backend.hpp"
#include "gpu/cuda_ops.hpp"

namespace hyped {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kPeakZ = 1.5;  // seed: peaks where z > 1.5

// Results of the timed CPU loops go here so the compiler cannot drop the loops.
volatile double g_sink = 0;

struct Row {
  std::string operation;
  std::optional<double> gpu_ms;  // none on the CPU reference
  double wall_ms = 0;
};

struct TickStats {
  int channels = 0;
  double latency_ms = 0;  // median wall time of one tick (copy in, compute, copy out)
  double p99_ms = 0;
  double gpu_ms = 0;                   // device time of the median tick (CUDA only)
  double host_cpu_us_per_channel = 0;  // CPU time the calling thread spends per channel and tick
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// CPU time of the whole process: the staging copy runs on several threads.
double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Median wall time of `reps` runs after two warm-ups.
double time_cpu_ms(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int r = 0; r < reps + 2; ++r) {
    const auto t0 = Clock::now();
    fn();
    if (r >= 2) t.push_back(ms_since(t0));
  }
  return median(t);
}

// A stream-like test signal: a noise bed whose loudness drifts, with loud bursts every ~90 s.
std::vector<float> make_signal(long long n, int rate_hz) {
  std::vector<float> x(static_cast<std::size_t>(n));
  std::uint64_t s = 0x9e3779b97f4a7c15ULL;
  for (long long i = 0; i < n; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
    const double u = static_cast<double>(s >> 11) * 0x1.0p-53 - 0.5;
    const long long second = i / rate_hz;
    const double amp = second % 90 < 3 ? 0.8 : 0.1 + 0.02 * static_cast<double>(second % 37);
    x[static_cast<std::size_t>(i)] = static_cast<float>(amp * u);
  }
  return x;
}

std::vector<float> make_chat_counts(long long hops) {
  std::vector<float> c(static_cast<std::size_t>(hops));
  for (long long i = 0; i < hops; ++i)
    c[static_cast<std::size_t>(i)] = static_cast<float>((i * 7919) % 7) + (i % 180 < 10 ? 12.0f : 0.0f);
  return c;
}

// ---- CPU reference versions of the seed's batch operations -----------------------------------------

std::vector<double> cpu_hop_sums(std::span<const float> x, int hop) {
  std::vector<double> s(x.size() / static_cast<std::size_t>(hop));
  for (std::size_t b = 0; b < s.size(); ++b) {
    double acc = 0;
    for (int j = 0; j < hop; ++j) {
      const double v = x[b * static_cast<std::size_t>(hop) + static_cast<std::size_t>(j)];
      acc += v * v;
    }
    s[b] = acc;
  }
  return s;
}

std::vector<float> cpu_frame_rms(const std::vector<double>& sums, const DetectorParams& p) {
  const long long frames = std::max(0LL, static_cast<long long>(sums.size()) - p.frame_hops() + 1);
  std::vector<float> rms(static_cast<std::size_t>(frames));
  for (long long f = 0; f < frames; ++f) {
    double e = 0;
    for (int j = 0; j < p.frame_hops(); ++j) e += sums[static_cast<std::size_t>(f + j)];
    rms[static_cast<std::size_t>(f)] = static_cast<float>(std::sqrt(e / p.frame_len()));
  }
  return rms;
}

std::size_t cpu_peaks(const std::vector<float>& rms, const DetectorParams& p, std::vector<std::size_t>& out) {
  const MeanStd ms = global_mean_std(rms);
  out.clear();
  for (std::size_t i = 0; i < rms.size(); ++i)
    if ((rms[i] - ms.mean) / (ms.std + p.z_eps) > kPeakZ) out.push_back(i);
  return out.size();
}

// ---- streaming tick, through the Backend interface --------------------------------------------------

// Stands for the rest of the 0.5 s hop, during which the copies sent ahead finish: long enough for
// them at a conservative 20 GB/s, plus 5 ms, and much shorter than a real hop.
std::chrono::microseconds hop_pause(std::size_t floats_sent) {
  return std::chrono::microseconds(5000 + static_cast<long long>(static_cast<double>(floats_sent) * 4 / 20e9 * 1e6));
}

// `ahead`: the samples are written into the CUDA backend's pinned buffer and 7/8 of the channels are
// sent to the device before the tick, as a live ingest does while the other channels' hops complete;
// otherwise they come from ordinary host memory, as through the plain Backend interface.
TickStats time_tick(Backend& backend, const DetectorParams& p, int reps, bool ahead) {
  const int channels = backend.channels();
  const std::size_t per_channel = static_cast<std::size_t>(p.hop_len());
  const std::size_t n = per_channel * static_cast<std::size_t>(channels);
  CudaBackendExtras* cuda = cuda_extras(backend);
  if (ahead && !cuda) throw std::logic_error("sending ahead needs the CUDA backend");
  std::vector<float> host(ahead ? 0 : n);
  const std::span<float> samples = ahead ? cuda->pinned_samples(1) : std::span<float>(host);
  const std::vector<float> noise = make_signal(static_cast<long long>(n), p.sample_rate_hz);
  std::copy(noise.begin(), noise.end(), samples.begin());
  std::vector<float> chat(static_cast<std::size_t>(channels), 1.0f);
  std::vector<HopFeatures> out(static_cast<std::size_t>(channels));
  const std::size_t sent = per_channel * static_cast<std::size_t>(channels - channels / 8);
  std::vector<double> wall, gpu, cpu;
  for (int r = 0; r < reps + 3; ++r) {  // warm-up: the first ticks allocate, plan and capture the graph
    double c0 = cpu_s();
    if (ahead) {
      cuda->send_ahead(0, sent);
      const double send_cpu = cpu_s() - c0;
      std::this_thread::sleep_for(hop_pause(sent));
      c0 = cpu_s() - send_cpu;
    }
    const auto t0 = Clock::now();
    backend.tick(samples, chat, 1, out);
    const double w = ms_since(t0);
    const double c = cpu_s() - c0;
    if (r < 3) continue;
    wall.push_back(w);
    cpu.push_back(c);
    if (cuda) gpu.push_back(cuda->last_tick_gpu_ms());
  }
  TickStats t;
  t.channels = channels;
  t.latency_ms = median(wall);
  t.p99_ms = percentile(wall, 0.99);
  t.gpu_ms = median(gpu);
  t.host_cpu_us_per_channel = median(cpu) * 1e6 / channels;
  return t;
}

// ---- the table ----------------------------------------------------------------------------------------

std::string fmt_ms(double ms) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f ms", ms);
  return b;
}

void print_table(const std::vector<Row>& rows) {
  std::printf("%-44s %12s %12s %11s  %s\n", "Operation", "GPU Time", "Wall Time", "Efficiency", "Status");
  std::printf("%s\n", std::string(100, '-').c_str());
  for (const Row& r : rows) {
    if (!r.gpu_ms) {
      std::printf("%-44s %12s %12s %11s  %s\n", r.operation.c_str(), "-", fmt_ms(r.wall_ms).c_str(), "-",
                  "CPU REFERENCE");
      continue;
    }
    const double eff = r.wall_ms > 0 ? 100.0 * *r.gpu_ms / r.wall_ms : 0.0;
    const char* status = eff > 80 ? "GPU OPTIMIZED" : eff >= 50 ? "MIXED" : "CPU BOTTLENECK";
    char e[16];
    std::snprintf(e, sizeof e, "%.1f%%", std::min(eff, 100.0));
    std::printf("%-44s %12s %12s %11s  %s\n", r.operation.c_str(), fmt_ms(*r.gpu_ms).c_str(), fmt_ms(r.wall_ms).c_str(),
                e, status);
  }
}

void print_tick_summary(const char* what, const TickStats& t, const DetectorParams& p) {
  std::printf("streaming tick, %s: %d channels x one %.1f s hop: latency %.3f ms median, %.3f ms p99", what, t.channels,
              p.hop_s, t.latency_ms, t.p99_ms);
  if (t.gpu_ms > 0) std::printf(", device %.3f ms", t.gpu_ms);
  std::printf("; %.0fx real time; host CPU %.2f us per channel\n", p.hop_s * 1e3 / t.latency_ms,
              t.host_cpu_us_per_channel);
}

std::string hours_label(double h) {
  char b[32];
  std::snprintf(b, sizeof b, "%g h", h);
  return b;
}

// ---- the two devices ------------------------------------------------------------------------------------

void profile_cuda(const ProfileOptions& opt, const DetectorParams& p, const std::vector<float>& signal,
                  const std::vector<float>& chat) {
  const std::string h = hours_label(opt.hours);
  std::vector<Row> rows;
  const auto add = [&](std::string name, const OpTiming& t) { rows.push_back({std::move(name), t.gpu_ms, t.wall_ms}); };

  add("sqrt(square) (1M elements)", cuda_time_sqrt_square(std::size_t{1} << 20, 100));
  CudaWholeFile wf(p, static_cast<long long>(signal.size()));
  const OpTiming upload = wf.time_upload(signal, opt.comprehensive ? 5 : 1);
  const OpTiming upload_pinned = opt.comprehensive ? wf.time_upload_pinned(5) : OpTiming{};
  add("RMS (windowed, " + h + ")", wf.time_rms(50));
  add("z-score + peak detection", wf.time_zscore_peaks(kPeakZ, 50));
  add("conv1d smoothing (chat, " + std::to_string(chat.size()) + " hops)",
      cuda_time_box_smoothing(chat, p.chat_box_hops(), 50));
  const OpTiming full = wf.time_pipeline(kPeakZ, 50);
  add("FULL AUDIO PIPELINE (" + h + ")", full);
  const WholeFilePeaks peaks = wf.analyse(kPeakZ);

  auto backend = make_cuda_backend(p, opt.channels);
  const TickStats tick = time_tick(*backend, p, 50, false);
  auto live_backend = make_cuda_backend(p, opt.channels);
  const TickStats live = time_tick(*live_backend, p, 50, true);
  const std::string ch = std::to_string(opt.channels);
  rows.push_back({"streaming tick (" + ch + " ch, copied in)", tick.gpu_ms, tick.latency_ms});
  rows.push_back({"streaming tick (" + ch + " ch, 7/8 sent ahead)", live.gpu_ms, live.latency_ms});
  if (opt.comprehensive) {
    add("host-to-device transfer (" + h + ", via pinned)", upload);
    add("host-to-device transfer (" + h + ", pinned)", upload_pinned);
  }

  std::printf("hyped profile: cuda on %s; %s of %d Hz audio (%lld samples), %d channels in the tick\n\n",
              backend->device().c_str(), h.c_str(), p.sample_rate_hz, static_cast<long long>(signal.size()),
              opt.channels);
  print_table(rows);
  const double gb = static_cast<double>(signal.size()) * sizeof(float) / 1e9;
  std::printf(
      "\nFULL AUDIO PIPELINE: %lld frames, %zu peaks (z > %.1f); device %.3f ms = %.0f GB/s of signal read;"
      " target for 1 h: <= 0.150 ms\n",
      peaks.frames, peaks.frame.size(), kPeakZ, full.gpu_ms, gb / (full.gpu_ms * 1e-3));
  if (opt.comprehensive)
    std::printf("host-to-device: %.1f GB/s from pinned memory, %.1f GB/s from ordinary memory through pinned staging\n",
                gb / (upload_pinned.gpu_ms * 1e-3), gb / (upload.wall_ms * 1e-3));
  std::printf("\n");
  print_tick_summary("copied in from host memory", tick, p);
  print_tick_summary("pinned, 7/8 of the channels sent ahead during the hop", live, p);
  std::printf("(tools/bench_gpu finds the most channels a tick keeps under 5 ms)\n");
}

void profile_cpu(const ProfileOptions& opt, const DetectorParams& p, const std::vector<float>& signal,
                 const std::vector<float>& chat) {
  const std::string h = hours_label(opt.hours);
  std::vector<Row> rows;
  std::vector<float> x(std::size_t{1} << 20), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 1997) * 1e-3f - 1.0f;
  rows.push_back({"sqrt(square) (1M elements)", std::nullopt, time_cpu_ms(20, [&] {
                    for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::sqrt(x[i] * x[i]);
                    g_sink = g_sink + y[x.size() / 2];
                  })});
  std::vector<double> sums;
  std::vector<float> rms;
  std::vector<std::size_t> peaks;
  const int reps = opt.hours > 2 ? 1 : 3;
  rows.push_back({"RMS (windowed, " + h + ")", std::nullopt, time_cpu_ms(reps, [&] {
                    sums = cpu_hop_sums(signal, p.hop_len());
                    rms = cpu_frame_rms(sums, p);
                  })});
  rows.push_back({"z-score + peak detection", std::nullopt, time_cpu_ms(20, [&] { cpu_peaks(rms, p, peaks); })});
  rows.push_back({"conv1d smoothing (chat, " + std::to_string(chat.size()) + " hops)", std::nullopt,
                  time_cpu_ms(20, [&] { g_sink = g_sink + smooth_box_centred(chat, p.chat_box_hops()).back(); })});
  rows.push_back({"FULL AUDIO PIPELINE (" + h + ")", std::nullopt, time_cpu_ms(reps, [&] {
                    sums = cpu_hop_sums(signal, p.hop_len());
                    rms = cpu_frame_rms(sums, p);
                    cpu_peaks(rms, p, peaks);
                  })});
  auto backend = make_cpu_backend(p, opt.channels);
  const TickStats tick = time_tick(*backend, p, 5, false);
  rows.push_back({"streaming tick (" + std::to_string(opt.channels) + " ch, 1 hop)", std::nullopt, tick.latency_ms});

  std::printf("hyped profile: cpu (%s); %s of %d Hz audio (%lld samples), %d channels in the tick\n\n",
              backend->device().c_str(), h.c_str(), p.sample_rate_hz, static_cast<long long>(signal.size()),
              opt.channels);
  print_table(rows);
  std::printf("\nGPU Time is '-': these rows ran on the CPU reference, single-threaded; Wall Time is their time.\n");
  if (opt.comprehensive) std::printf("host-to-device transfer: not applicable on the CPU\n");
  std::printf("FULL AUDIO PIPELINE: %zu frames, %zu peaks (z > %.1f)\n\n", rms.size(), peaks.size(), kPeakZ);
  print_tick_summary("CPU reference", tick, p);
}

}  // namespace

int run_profile(const ProfileOptions& opt) {
  std::string device = opt.device;
  const CudaAvailability cuda = cuda_availability();
  if (device == "auto") device = cuda.usable ? "cuda" : "cpu";
  if (device == "cuda" && !cuda.usable) throw std::runtime_error("--device cuda: " + cuda.reason);
  if (device != "cpu" && device != "cuda") throw std::invalid_argument("--device must be auto, cpu or cuda");
  if (opt.hours <= 0 || opt.channels < 1) throw std::invalid_argument("--hours and --channels must be positive");

  const DetectorParams p;
  const auto samples = static_cast<long long>(opt.hours * 3600.0 * p.sample_rate_hz);
  const std::vector<float> signal = make_signal(samples, p.sample_rate_hz);
  const std::vector<float> chat = make_chat_counts(samples / p.hop_len());
  if (device == "cuda")
    profile_cuda(opt, p, signal, chat);
  else
    profile_cpu(opt, p, signal, chat);
  return 0;
}

}  // namespace hyped
