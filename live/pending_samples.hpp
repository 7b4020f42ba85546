// Samples decoded ahead of a read: an AudioSource decodes in units of its own (a packet, a segment) and
// hands them out in reads of any size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace hyped {

class PendingSamples {
 public:
  // Fills `out` from what is pending, calling refill(samples) whenever it runs dry: refill appends to the
  // (emptied) vector and returns false at the end of the media. Returns the samples written.
  template <class Refill>
  std::size_t read(std::span<float> out, Refill&& refill) {
    std::size_t done = 0;
    while (done < out.size()) {
      if (pos_ < samples_.size()) {
        const std::size_t n = std::min(out.size() - done, samples_.size() - pos_);
        std::copy_n(samples_.begin() + static_cast<std::ptrdiff_t>(pos_), n, out.begin() + static_cast<std::ptrdiff_t>(done));
        pos_ += n;
        done += n;
        continue;
      }
      samples_.clear();
      pos_ = 0;
      if (!refill(samples_)) break;
    }
    return done;
  }
  // For decoding ahead of the first read.
  std::vector<float>& samples() { return samples_; }

 private:
  std::vector<float> samples_;
  std::size_t pos_ = 0;
};

}  // namespace hyped
