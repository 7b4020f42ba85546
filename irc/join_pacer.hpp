// Twitch limits JOINs per account, not per connection: every connection of a chat client draws from one
// budget of at most `limit` channels in any `window` (sliding). Pure: time comes in as an argument.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>

namespace hyped {

class JoinPacer {
 public:
  using Clock = std::chrono::steady_clock;
  JoinPacer(int limit, Clock::duration window) : limit_(std::max(1, limit)), window_(window) {}

  // Takes one JOIN from the budget at `now`; false when the window is full.
  bool take(Clock::time_point now) {
    expire(now);
    if (static_cast<int>(sent_.size()) >= limit_) return false;
    sent_.push_back(now);
    return true;
  }
  // When the next JOIN may go: `now` when the window has room.
  Clock::time_point next_free(Clock::time_point now) {
    expire(now);
    return static_cast<int>(sent_.size()) < limit_ ? now : sent_.front() + window_;
  }

 private:
  void expire(Clock::time_point now) {
    while (!sent_.empty() && now - sent_.front() >= window_) sent_.pop_front();
  }

  int limit_;
  Clock::duration window_;
  std::deque<Clock::time_point> sent_;
};

}  // namespace hyped
