// Gathers samples arriving in chunks of any size into whole hop blocks, the unit every backend works on.
#pragma once

#include <span>
#include <vector>

namespace hyped {

class HopBlocker {
 public:
  explicit HopBlocker(int hop_len) : hop_len_(hop_len) {}
  void append(std::span<const float> samples) { buf_.insert(buf_.end(), samples.begin(), samples.end()); }
  int whole_blocks() const { return static_cast<int>(buf_.size() / static_cast<std::size_t>(hop_len_)); }
  // The first `blocks` whole blocks, contiguous.
  std::span<const float> front(int blocks) const {
    return {buf_.data(), static_cast<std::size_t>(blocks) * static_cast<std::size_t>(hop_len_)};
  }
  void drop(int blocks) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(blocks) * hop_len_);
  }
  std::size_t pending_samples() const { return buf_.size(); }

 private:
  int hop_len_;
  std::vector<float> buf_;
};

}  // namespace hyped
