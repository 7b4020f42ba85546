// Chat as a per-hop series: messages binned on the detector's hop grid, then box-smoothed.
#pragma once

#include <span>
#include <vector>

#include "core/detector_params.hpp"

namespace hyped {

struct ChatMessage {
  double t_s = 0;     // seconds from the start of the media
  float weight = 1;   // 1 + emote/keyword weights
};

// Weighted message counts per hop, bin i centred on frame i's time (frame_time_s(i) ± hop/2), so chat
// and audio describe the same instant. Reads any index: outside the messages' span the count is 0.
// Messages from kMaxChatBins hops on (48 days at the default 0.5 s hop) are dropped.
inline constexpr long long kMaxChatBins = 1LL << 23;
class ChatRateSeries {
 public:
  ChatRateSeries() = default;
  ChatRateSeries(std::vector<ChatMessage> messages, const DetectorParams& p);
  // Adds messages that arrived later (a chat fetched while the audio streams): bins already read by
  // the detector must not change, so messages must not lie before what it has read.
  void add(std::span<const ChatMessage> messages, const DetectorParams& p);
  float count(long long bin) const;
  bool empty() const { return bins_.empty(); }
  long long bins() const { return static_cast<long long>(bins_.size()); }

 private:
  std::vector<float> bins_;
};

// seed: F.conv1d(x, ones(1,1,k)/k, padding=k/2), zero padded, first x.size() outputs (same length).
std::vector<float> smooth_box_centred(std::span<const float> x, int k);

// Causal box mean over the last k values (zeros before the first): the live counterpart.
class TrailingBox {
 public:
  explicit TrailingBox(int k);
  // Sets the values seen before the first push, oldest first (at most k − 1 are kept).
  void prime(std::span<const float> history);
  float push(float x);

 private:
  std::vector<float> ring_;
  std::size_t pos_ = 0;  // slot of the oldest value
};

}  // namespace hyped
