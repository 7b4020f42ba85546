#include "app/multi_stream_detector.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "gpu/cuda_backend.hpp"

namespace hyped {

MultiStreamDetector::MultiStreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend,
                                         std::vector<Stream> streams, int max_tick_hops)
    : p_(p), backend_(std::move(backend)), max_tick_hops_(std::max(1, max_tick_hops)) {
  if (p_.z_mode != ZMode::Running || p_.chat_lookahead_hops() != 0)
    throw std::invalid_argument("streams fed chat as it arrives need running z-scores and a trailing chat box");
  if (backend_->channels() != static_cast<int>(streams.size()))
    throw std::invalid_argument("one backend channel per stream");
  for (Stream& s : streams) lanes_.push_back({std::move(s), HopBlocker(p_.hop_len()), PeakPicker(p_), 0});
  const auto per = static_cast<std::size_t>(std::max(0, p_.chat_box_hops() - 1));
  backend_->prime_chat(std::vector<float>(per * lanes_.size(), 0.0f));
}

void MultiStreamDetector::push(int stream, std::span<const float> samples) {
  lanes_.at(static_cast<std::size_t>(stream)).blocker.append(samples);
}

void MultiStreamDetector::process() {
  const auto hop_len = static_cast<std::size_t>(p_.hop_len());
  const long long lag = p_.frame_hops() - 1;  // blocks before a stream's first whole frame
  CudaBackendExtras* pinned = cuda_extras(*backend_);
  for (;;) {
    // Only the streams with a whole block take part: idle ones cost the tick nothing.
    slots_.clear();
    int hops = 0;
    for (std::size_t c = 0; c < lanes_.size(); ++c)
      if (const int whole = lanes_[c].blocker.whole_blocks(); whole > 0) {
        slots_.push_back(static_cast<int>(c));
        hops = std::max(hops, std::min(whole, max_tick_hops_));
      }
    if (slots_.empty()) return;
    const std::size_t n = slots_.size();
    const auto per_slot = static_cast<std::size_t>(hops) * hop_len;
    std::span<float> samples;
    if (pinned) {
      // Written in place: the copy to the device reads it directly, and only the slots' part travels.
      samples = pinned->pinned_samples(hops).first(n * per_slot);
    } else {
      samples_.resize(n * per_slot);
      samples = samples_;
    }
    chat_.assign(n * static_cast<std::size_t>(hops), 0.0f);
    blocks_.resize(n);
    out_.resize(n * static_cast<std::size_t>(hops));
    for (std::size_t k = 0; k < n; ++k) {
      Lane& l = lanes_[static_cast<std::size_t>(slots_[k])];
      const int taken = std::min(l.blocker.whole_blocks(), hops);
      blocks_[k] = taken;
      const auto src = l.blocker.front(taken);
      std::copy(src.begin(), src.end(), samples.begin() + static_cast<std::ptrdiff_t>(k * per_slot));
      for (int h = 0; h < taken; ++h)
        if (const long long frame = l.blocks_done + h - lag; frame >= 0 && l.io.chat_for_frame)
          chat_[k * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h)] = l.io.chat_for_frame(frame);
    }
    const auto t0 = std::chrono::steady_clock::now();
    backend_->tick_some(samples, chat_, hops, slots_, blocks_, out_);
    if (on_tick) on_tick(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    for (std::size_t k = 0; k < n; ++k) {
      Lane& l = lanes_[static_cast<std::size_t>(slots_[k])];
      const int taken = blocks_[k];
      for (int h = 0; h < taken; ++h) {
        const long long frame = l.blocks_done + h - lag;
        if (frame < 0) continue;
        const HopFeatures& f = out_[k * static_cast<std::size_t>(hops) + static_cast<std::size_t>(h)];
        if (l.io.on_frame) l.io.on_frame(p_.frame_time_s(frame), f);
        if (auto hl = l.picker.push(frame, f))
          if (l.io.on_highlight) l.io.on_highlight(*hl);
      }
      l.blocker.drop(taken);
      l.blocks_done += taken;
    }
  }
}

}  // namespace hyped
