#include "app/stream_detector.hpp"

#include <algorithm>
#include <chrono>

namespace hyped {

StreamDetector::StreamDetector(const DetectorParams& p, std::unique_ptr<Backend> backend, ChatRateSeries chat,
                               int tick_hops)
    : p_(p),
      backend_(std::move(backend)),
      chat_(std::move(chat)),
      tick_hops_(std::max(1, tick_hops)),
      blocker_(p.hop_len()),
      picker_(p) {
  // The box over frame f covers bins f − k + 1 + L … f + L; before frame 0 it already holds bins
  // L − k + 1 … L − 1 (zero below bin 0, like the seed's zero padding).
  const int k = p_.chat_box_hops();
  const int lookahead = p_.chat_lookahead_hops();
  std::vector<float> history;
  for (int j = k - 1; j >= 1; --j) history.push_back(chat_.count(lookahead - j));
  backend_->prime_chat(history);
}

void StreamDetector::push(std::span<const float> samples) {
  samples_seen_ += static_cast<long long>(samples.size());
  blocker_.append(samples);
  while (blocker_.whole_blocks() >= tick_hops_) process(tick_hops_);
}

void StreamDetector::process(int blocks) {
  const long long lag = p_.frame_hops() - 1;  // blocks before the first whole frame
  const int lookahead = p_.chat_lookahead_hops();
  chat_tick_.resize(static_cast<std::size_t>(blocks));
  out_tick_.resize(static_cast<std::size_t>(blocks));
  for (int h = 0; h < blocks; ++h) {
    const long long frame = blocks_done_ + h - lag;
    if (frame < 0) chat_tick_[static_cast<std::size_t>(h)] = 0.0f;
    else chat_tick_[static_cast<std::size_t>(h)] = chat_.count(frame + lookahead);
  }
  const auto t0 = std::chrono::steady_clock::now();
  backend_->tick(blocker_.front(blocks), chat_tick_, blocks, out_tick_);
  if (on_tick) on_tick(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  blocker_.drop(blocks);
  for (int h = 0; h < blocks; ++h) {
    const long long frame = blocks_done_ + h - lag;
    if (frame < 0) continue;
    const HopFeatures& f = out_tick_[static_cast<std::size_t>(h)];
    ++result_.frames;
    // Running mode needs no history: memory stays flat however long the media is.
    if (keep_series_ || p_.z_mode == ZMode::Global) result_.series.push_back(f);
    if (p_.z_mode != ZMode::Running) continue;
    if (on_frame) on_frame(p_.frame_time_s(frame), f);
    if (auto hl = picker_.push(frame, f)) emit(std::move(*hl));
  }
  blocks_done_ += blocks;
}

// The seed's chat series ends with the audio (zero padding beyond it); the streaming box looked ahead
// into chat after the last frame, so the last frames are re-smoothed without it.
void StreamDetector::trim_chat_at_end() {
  const auto n = static_cast<long long>(result_.series.size());
  const int k = p_.chat_box_hops();
  const int pad = k / 2;
  for (long long f = std::max(0LL, n - p_.chat_lookahead_hops()); f < n; ++f) {
    double sum = 0;
    for (int j = 0; j < k; ++j) {
      const long long bin = f + j - pad;
      if (bin < n) sum += chat_.count(bin);
    }
    result_.series[static_cast<std::size_t>(f)].chat_rate = static_cast<float>(sum / k / p_.hop_s);
  }
}

void StreamDetector::emit(Highlight hl) {
  if (on_highlight) on_highlight(hl);
  // A revision replaces what was reported for its id: the result holds each highlight as it ended.
  if (hl.revision > 0)
    for (auto it = result_.highlights.rbegin(); it != result_.highlights.rend(); ++it)
      if (it->id == hl.id) {
        *it = std::move(hl);
        return;
      }
  result_.highlights.push_back(std::move(hl));
}

DetectionResult StreamDetector::finish() {
  if (int left = blocker_.whole_blocks(); left > 0) process(left);
  result_.duration_s = seconds_seen();
  if (p_.z_mode == ZMode::Global) {
    trim_chat_at_end();
    backend_->score_global(result_.series);
    for (std::size_t f = 0; f < result_.series.size(); ++f)
      if (auto hl = picker_.push(static_cast<long long>(f), result_.series[f])) emit(std::move(*hl));
  }
  for (Highlight& hl : result_.highlights) hl.end_s = std::min(hl.end_s, result_.duration_s);
  return std::move(result_);
}

}  // namespace hyped
