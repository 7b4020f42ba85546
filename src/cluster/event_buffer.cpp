#include "cluster/event_buffer.hpp"

#include <algorithm>

namespace hyped::cluster {

EventBuffer::EventBuffer(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

bool EventBuffer::push(std::string subject, std::string payload, std::string msg_id) {
  bool dropped = false;
  if (events_.size() >= limit_) {
    // Keep the newest: a client catching up wants what is happening now.
    settled_ = std::max(settled_, events_.front().seq);
    events_.pop_front();
    ++dropped_;
    dropped = true;
  }
  events_.push_back({std::move(subject), std::move(payload), std::move(msg_id), next_seq_++});
  return dropped;
}

void EventBuffer::acknowledge(long long seq) {
  if (!events_.empty() && events_.front().seq == seq) events_.pop_front();
  settled_ = std::max(settled_, seq);
}

}  // namespace hyped::cluster
