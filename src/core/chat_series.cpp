#include "core/chat_series.hpp"

#include <algorithm>
#include <cmath>

namespace hyped {

ChatRateSeries::ChatRateSeries(std::vector<ChatMessage> messages, const DetectorParams& p) { add(messages, p); }

void ChatRateSeries::add(std::span<const ChatMessage> messages, const DetectorParams& p) {
  // bin i spans [frame_time_s(i) − hop/2, frame_time_s(i) + hop/2)
  const double origin = p.frame_time_s(0) - p.hop_s / 2.0;
  for (const ChatMessage& m : messages) {
    const double pos = (m.t_s - origin) / p.hop_s;
    // Before the first bin, NaN, or absurdly late: one message with a huge time must not allocate gigabytes.
    if (!(pos >= 0) || pos >= static_cast<double>(kMaxChatBins)) continue;
    const auto bin = static_cast<std::size_t>(std::floor(pos));
    if (bin >= bins_.size()) bins_.resize(bin + 1, 0.0f);
    bins_[bin] += m.weight;
  }
}

float ChatRateSeries::count(long long bin) const {
  return bin >= 0 && bin < bins() ? bins_[static_cast<std::size_t>(bin)] : 0.0f;
}

std::vector<float> smooth_box_centred(std::span<const float> x, int k) {
  const auto n = static_cast<long long>(x.size());
  const long long pad = k / 2;
  std::vector<float> y(x.size());
  for (long long i = 0; i < n; ++i) {
    double s = 0;
    for (long long j = 0; j < k; ++j) {
      const long long src = i + j - pad;
      if (src >= 0 && src < n) s += x[static_cast<std::size_t>(src)];
    }
    y[static_cast<std::size_t>(i)] = static_cast<float>(s / k);
  }
  return y;
}

TrailingBox::TrailingBox(int k) : ring_(static_cast<std::size_t>(std::max(1, k)), 0.0f) {}

void TrailingBox::prime(std::span<const float> history) {
  const std::size_t keep = std::min(history.size(), ring_.size() - 1);
  for (float v : history.subspan(history.size() - keep)) {
    ring_[pos_] = v;
    pos_ = (pos_ + 1) % ring_.size();
  }
}

float TrailingBox::push(float x) {
  ring_[pos_] = x;
  pos_ = (pos_ + 1) % ring_.size();
  // Summed oldest first, in double, exactly as smooth_box_centred does: both give the same bits.
  double sum = 0;
  for (std::size_t j = 0; j < ring_.size(); ++j) sum += ring_[(pos_ + j) % ring_.size()];
  return static_cast<float>(sum / static_cast<double>(ring_.size()));
}

}  // namespace hyped
