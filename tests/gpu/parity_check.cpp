#include "parity_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/peak_picker.hpp"
#include "core/scoring.hpp"
#include "gpu/backend.hpp"

namespace hyped::test {
namespace {

constexpr std::array<float HopFeatures::*, ParityReport::kFields> kMembers = {
    &HopFeatures::rms,    &HopFeatures::flux,   &HopFeatures::hf_ratio, &HopFeatures::chat_rate, &HopFeatures::z_audio,
    &HopFeatures::z_chat, &HopFeatures::z_flux, &HopFeatures::z_hf,     &HopFeatures::score};

}  // namespace

const std::array<const char*, ParityReport::kFields> ParityReport::kNames = {
    "rms", "flux", "hf_ratio", "chat_rate", "z_audio", "z_chat", "z_flux", "z_hf", "score"};

ZSlack::ZSlack(const DetectorParams& p)
    : p_(p),
      audio_(p.halflife_hops()),
      audio_recent_(p.audio_baseline_hops()),
      chat_(p.halflife_hops()),
      flux_(p.halflife_hops()),
      hf_(p.halflife_hops()) {}

std::array<double, 9> ZSlack::next(const HopFeatures& f) {
  // Every feature may be off by kFeatureRelErr relative, so by at most d = kFeatureRelErr · M with M
  // the largest |x| so far. Then x − mean is off by ≤ 2d, and the running std by ≤ 2d too (the
  // variance moves by ≤ 2·2d·Σwᵢ|xᵢ − mean| ≤ 4d·std, and δstd = δvar / 2std). Mirrors score_running:
  // z from the statistics before the push, with the same floors.
  const auto slack = [&](double x, float z, RunningStats& s, double& max_abs, double floor, double floor_rel) {
    max_abs = std::max(max_abs, std::abs(x));
    const double d = kFeatureRelErr * max_abs;
    double e = 0;
    if (s.count() > 0) {
      const double sd = s.stddev();
      const double den = std::max(sd, floor) + p_.z_eps;
      const double d_den = s.variance() > 0 && sd >= floor ? 2 * d : floor_rel * d;
      e = (2 * d + std::abs(z) * d_den) / den;
    }
    s.push(x);
    return e;
  };
  std::array<double, 9> out{};
  // Audio and chat z are smooth functions of the feature and the statistics' means: their slack is the
  // largest change that moving each by 2d (d as above) makes, evaluated where they stand.
  const auto spread = [](auto z_of, double x, double mean, double dx, double dmean) {
    const double z0 = z_of(x, mean);
    double e = 0;
    for (const double sx : {-2.0, 0.0, 2.0})
      for (const double sm : {-2.0, 0.0, 2.0}) e = std::max(e, std::abs(z_of(x + sx * dx, mean + sm * dmean) - z0));
    return e;
  };
  max_[0] = std::max(max_[0], static_cast<double>(std::abs(f.rms)));
  const double level = level_db(f.rms);
  if (level >= p_.audio_silence_db) {
    if (audio_.count() > 0) {
      // A relative error d in the RMS is 20/ln 10 · d dB, everywhere.
      const double d_db = 20.0 / std::log(10.0) * kFeatureRelErr;
      const double den = std::max(audio_.stddev(), p_.audio_min_std_db) + p_.z_eps;
      out[4] = spread([&](double x, double m) { return (x - m) / den; }, level, audio_recent_.mean(), d_db, d_db) +
               std::abs(f.z_audio) * 2 * d_db / den;
    }
    audio_.push(level);
    audio_recent_.push(level);
  }
  const double count = static_cast<double>(f.chat_rate) * p_.chat_window_s;
  max_[1] = std::max(max_[1], std::abs(count));
  if (chat_.count() > 0) {
    const double d = kFeatureRelErr * max_[1];
    out[5] = spread([&](double x, double m) { return chat_surprise(std::max(0.0, x), std::max(0.0, m), p_.chat_prior); },
                    count, chat_.mean(), d, d);
  }
  chat_.push(count);
  out[6] = slack(f.flux, f.z_flux, flux_, max_[2], 0.0, 0.0);
  out[7] = slack(f.hf_ratio, f.z_hf, hf_, max_[3], 0.0, 0.0);
  out[8] = p_.w_audio * out[4] + p_.w_chat * out[5] + p_.w_flux * out[6] + p_.w_hf * out[7];
  return out;
}

void ParityReport::compare(const HopFeatures& cpu, const HopFeatures& cuda, const std::string& where,
                           const std::array<double, kFields>& slack) {
  ++compared_;
  for (int f = 0; f < kFields; ++f) {
    const double a = cpu.*kMembers[static_cast<std::size_t>(f)];
    const double b = cuda.*kMembers[static_cast<std::size_t>(f)];
    const bool finite = std::isfinite(a) && std::isfinite(b);
    const double raw = finite ? scaled_error(a, b) : (a == b ? 0.0 : INFINITY);
    // what is left after the inherited rounding, in the tolerance's units
    const double e = finite ? std::max(0.0, std::abs(a - b) - slack[static_cast<std::size_t>(f)]) /
                                  std::max({1.0, std::abs(a), std::abs(b)})
                            : raw;
    worst_[static_cast<std::size_t>(f)] = std::max(worst_[static_cast<std::size_t>(f)], raw);
    worst_left_ = std::max(worst_left_, e);
    if (e > kParityTol) {
      if (mismatches_ == 0) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s %s: cpu %.9g cuda %.9g (scaled error %.3g)", where.c_str(),
                      kNames[static_cast<std::size_t>(f)], a, b, e);
        first_ = buf;
      }
      ++mismatches_;
    }
  }
}

std::string ParityReport::summary() const {
  std::string s = std::to_string(compared_) + " hops compared; worst |a-b|/max(1,|a|,|b|):";
  char buf[64];
  for (int f = 0; f < kFields; ++f) {
    std::snprintf(buf, sizeof buf, " %s %.1e", kNames[static_cast<std::size_t>(f)],
                  worst_[static_cast<std::size_t>(f)]);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "; beyond z conditioning %.1e (limit %.0e)", worst_left_, kParityTol);
  return s + buf;
}

std::string diff_highlights(const std::vector<Highlight>& cpu, const std::vector<Highlight>& cuda) {
  if (cpu.size() != cuda.size())
    return "highlight count: cpu " + std::to_string(cpu.size()) + ", cuda " + std::to_string(cuda.size());
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const Highlight& a = cpu[i];
    const Highlight& b = cuda[i];
    const std::string at = "highlight " + std::to_string(i + 1) + " at " + std::to_string(a.time_s) + " s: ";
    if (a.time_s != b.time_s) return at + "cuda fires at " + std::to_string(b.time_s) + " s";
    if (a.reasons != b.reasons) return at + "reasons " + join_reasons(a.reasons) + " vs " + join_reasons(b.reasons);
    if (scaled_error(a.score, b.score) > kParityTol || scaled_error(a.audio_z, b.audio_z) > kParityTol ||
        scaled_error(a.chat_z, b.chat_z) > kParityTol || scaled_error(a.chat_rate, b.chat_rate) > kParityTol)
      return at + "score/z differ: cpu " + std::to_string(a.score) + ", cuda " + std::to_string(b.score);
  }
  return {};
}

namespace {

struct Series {
  std::vector<std::vector<HopFeatures>> per_channel;  // frames only (no warm-up blocks)
};

std::vector<Highlight> pick(const DetectorParams& p, const std::vector<HopFeatures>& frames) {
  PeakPicker picker(p);
  std::vector<Highlight> out;
  for (std::size_t f = 0; f < frames.size(); ++f)
    if (auto hl = picker.push(static_cast<long long>(f), frames[f])) out.push_back(*hl);
  return out;
}

}  // namespace

void check_tick_parity(const DetectorParams& p, int channels, long long total_hops, const std::vector<int>& ticks,
                       const TickInput& input) {
  auto cpu = make_cpu_backend(p, channels);
  auto cuda = make_cuda_backend(p, channels);
  const std::vector<float> history = input.chat_history(channels, p);
  cpu->prime_chat(history);
  cuda->prime_chat(history);

  ParityReport report;
  Series cs, gs;
  cs.per_channel.resize(static_cast<std::size_t>(channels));
  gs.per_channel.resize(static_cast<std::size_t>(channels));
  std::vector<float> samples, chat;
  std::vector<HopFeatures> out_cpu, out_cuda;
  std::vector<ZSlack> slack(static_cast<std::size_t>(channels), ZSlack(p));
  const long long lag = p.frame_hops() - 1;
  long long done = 0;
  for (std::size_t t = 0; done < total_hops; ++t) {
    const int hops = static_cast<int>(std::min<long long>(ticks[t % ticks.size()], total_hops - done));
    const auto cells = static_cast<std::size_t>(channels) * static_cast<std::size_t>(hops);
    samples.resize(cells * static_cast<std::size_t>(p.hop_len()));
    chat.resize(cells);
    out_cpu.assign(cells, HopFeatures{});
    out_cuda.assign(cells, HopFeatures{-1, -1, -1, -1, -1, -1, -1, -1, -1});  // poison: every entry must be written
    input.fill(channels, done, hops, p, samples, chat);
    cpu->tick(samples, chat, hops, out_cpu);
    cuda->tick(samples, chat, hops, out_cuda);
    for (int c = 0; c < channels; ++c)
      for (int h = 0; h < hops; ++h) {
        const std::size_t i =
            static_cast<std::size_t>(c) * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h);
        const std::string where = "channel " + std::to_string(c) + " block " + std::to_string(done + h);
        if (done + h < lag) {
          report.compare(out_cpu[i], out_cuda[i], where);
        } else {
          report.compare(out_cpu[i], out_cuda[i], where, slack[static_cast<std::size_t>(c)].next(out_cpu[i]));
          cs.per_channel[static_cast<std::size_t>(c)].push_back(out_cpu[i]);
          gs.per_channel[static_cast<std::size_t>(c)].push_back(out_cuda[i]);
        }
      }
    done += hops;
  }
  MESSAGE("running, " << channels << " channels: " << report.summary());
  INFO(report.first_mismatch());
  CHECK(report.mismatches() == 0);

  // highlights of the running scores
  long long highlights = 0;
  for (int c = 0; c < channels; ++c) {
    const auto a = pick(p, cs.per_channel[static_cast<std::size_t>(c)]);
    const auto b = pick(p, gs.per_channel[static_cast<std::size_t>(c)]);
    highlights += static_cast<long long>(a.size());
    const std::string diff = diff_highlights(a, b);
    INFO("channel " << c << ": " << diff);
    CHECK(diff.empty());
  }
  MESSAGE("running, " << channels << " channels: " << highlights << " highlights, identical on both backends");
  CHECK(highlights > 0);  // the signal must exercise the picker

  // global mode: score each channel's whole series with both backends
  DetectorParams pg = p;
  pg.z_mode = ZMode::Global;
  ParityReport global;
  long long global_highlights = 0;
  for (int c = 0; c < channels; ++c) {
    auto a = cs.per_channel[static_cast<std::size_t>(c)];
    auto b = a;  // same raw features, so only the global scoring is compared
    cpu->score_global(a);
    cuda->score_global(b);
    for (std::size_t f = 0; f < a.size(); ++f)
      global.compare(a[f], b[f], "global channel " + std::to_string(c) + " frame " + std::to_string(f));
    const auto ha = pick(pg, a);
    const auto hb = pick(pg, b);
    global_highlights += static_cast<long long>(ha.size());
    const std::string diff = diff_highlights(ha, hb);
    INFO("global channel " << c << ": " << diff);
    CHECK(diff.empty());
  }
  MESSAGE("global, " << channels << " channels: " << global.summary() << "; " << global_highlights << " highlights");
  INFO(global.first_mismatch());
  CHECK(global.mismatches() == 0);
}

}  // namespace hyped::test
