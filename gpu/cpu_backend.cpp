// CPU reference backend: one channel after another, block by block; the oracle of the parity tests.
#include <kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/chat_series.hpp"
#include "core/scoring.hpp"
#include "gpu/backend.hpp"
#include "gpu/spectral_block.hpp"
#include "gpu/tick_slots.hpp"

namespace hyped {
namespace {

struct KissFftrDeleter {
  void operator()(kiss_fftr_cfg cfg) const { kiss_fftr_free(cfg); }
};
using KissFftr = std::unique_ptr<std::remove_pointer_t<kiss_fftr_cfg>, KissFftrDeleter>;

struct ChannelState {
  explicit ChannelState(const DetectorParams& p) : chat(p.chat_box_hops()), stats(p) {}
  std::vector<BlockSums> recent;  // the last frame_hops blocks, oldest first
  TrailingBox chat;
  FeatureStats stats;
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const DetectorParams& p, int channels)
      : p_(p),
        fft_(kiss_fftr_alloc(p.fft_size, 0, nullptr, nullptr)),
        window_(static_cast<std::size_t>(p.fft_size)),
        frame_(static_cast<std::size_t>(p.fft_size)),
        spectrum_(static_cast<std::size_t>(p.fft_size / 2 + 1)),
        mag_(2, std::vector<float>(static_cast<std::size_t>(p.fft_size / 2 + 1))) {
    if (!fft_) throw std::runtime_error("kissfft: cannot allocate a real FFT plan");
    for (int i = 0; i < p.fft_size; ++i) window_[static_cast<std::size_t>(i)] = static_cast<float>(hann(i, p.fft_size));
    for (int c = 0; c < channels; ++c) channels_.emplace_back(p);
  }

  std::string name() const override { return "cpu"; }
  std::string device() const override { return "CPU reference (KissFFT)"; }
  int channels() const override { return static_cast<int>(channels_.size()); }

  void grow(int channels) override {
    while (static_cast<int>(channels_.size()) < channels) channels_.emplace_back(p_);
  }
  void reset_channel(int channel) override {
    if (channel < 0 || channel >= static_cast<int>(channels_.size()))
      throw std::out_of_range("reset_channel: no such channel");
    channels_[static_cast<std::size_t>(channel)] = ChannelState(p_);
  }

  void prime_chat(std::span<const float> history) override {
    const auto per = static_cast<std::size_t>(p_.chat_box_hops() - 1);
    for (std::size_t c = 0; c < channels_.size(); ++c) channels_[c].chat.prime(history.subspan(c * per, per));
  }

  void tick(std::span<const float> samples, std::span<const float> chat, int hops, std::span<HopFeatures> out) override {
    run_tick(samples, chat, hops, {}, {}, out);
  }

  void tick_some(std::span<const float> samples, std::span<const float> chat, int hops, std::span<const int> channels,
                 std::span<const int> blocks, std::span<HopFeatures> out) override {
    check_slots(channels, blocks, static_cast<int>(channels_.size()));
    if (channels.empty()) return;  // (run_tick reads no slots as every channel)
    run_tick(samples, chat, hops, channels, blocks, out);
  }

  void score_global(std::span<HopFeatures> series) override { hyped::score_global(series, p_); }

 private:
  // Slot c is channel slots[c] and takes blocks[c] of the `hops` blocks; empty: every channel, all.
  void run_tick(std::span<const float> samples, std::span<const float> chat, int hops, std::span<const int> slots,
                std::span<const int> blocks, std::span<HopFeatures> out) {
    const auto hop_len = static_cast<std::size_t>(p_.hop_len());
    const auto frame_hops = static_cast<std::size_t>(p_.frame_hops());
    const auto n_hops = static_cast<std::size_t>(hops);
    const std::size_t n_slots = slots.empty() ? channels_.size() : slots.size();
    for (std::size_t c = 0; c < n_slots; ++c) {
      ChannelState& st = channels_[slots.empty() ? c : static_cast<std::size_t>(slots[c])];
      const std::size_t taken = blocks.empty() ? n_hops : static_cast<std::size_t>(std::clamp(blocks[c], 0, hops));
      for (std::size_t h = taken; h < n_hops; ++h) out[c * n_hops + h] = HopFeatures{};
      for (std::size_t h = 0; h < taken; ++h) {
        st.recent.push_back(block_sums(samples.subspan((c * n_hops + h) * hop_len, hop_len)));
        if (st.recent.size() > frame_hops) st.recent.erase(st.recent.begin());
        HopFeatures& f = out[c * n_hops + h];
        f = HopFeatures{};
        if (st.recent.size() < frame_hops) continue;
        assemble_frame(st.recent, p_, f);
        f.chat_rate = static_cast<float>(st.chat.push(chat[c * n_hops + h]) / p_.hop_s);
        score_running(f, st.stats, p_);
      }
    }
  }

  BlockSums block_sums(std::span<const float> x) {
    BlockSums b;
    for (float v : x) b.sumsq += static_cast<double>(v) * v;
    const int n = p_.fft_size;
    const int bins = n / 2 + 1;
    const int high_bin = p_.high_band_bin();
    for (int t = 0; t < p_.fft_frames_per_hop(); ++t) {
      for (int i = 0; i < n; ++i) frame_[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(t * n + i)] * window_[static_cast<std::size_t>(i)];
      kiss_fftr(fft_.get(), frame_.data(), spectrum_.data());
      std::vector<float>& mag = mag_[static_cast<std::size_t>(t % 2)];
      const std::vector<float>& prev = mag_[static_cast<std::size_t>((t + 1) % 2)];
      for (int k = 0; k < bins; ++k) {
        const auto& z = spectrum_[static_cast<std::size_t>(k)];
        const double power = static_cast<double>(z.r) * z.r + static_cast<double>(z.i) * z.i;
        mag[static_cast<std::size_t>(k)] = static_cast<float>(std::sqrt(power));
        b.total += power;
        if (k >= high_bin) b.high += power;
        if (t > 0) b.flux += std::max(0.0f, mag[static_cast<std::size_t>(k)] - prev[static_cast<std::size_t>(k)]);
      }
    }
    return b;
  }

  DetectorParams p_;
  KissFftr fft_;
  std::vector<float> window_, frame_;
  std::vector<kiss_fft_cpx> spectrum_;
  std::vector<std::vector<float>> mag_;  // magnitudes of the current and the previous FFT frame
  std::vector<ChannelState> channels_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const DetectorParams& p, int channels) {
  validate(p);
  if (channels < 1) throw std::invalid_argument("backend needs at least one channel");
  return std::make_unique<CpuBackend>(p, channels);
}

}  // namespace hyped
