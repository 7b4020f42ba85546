// The event publisher's bounded buffer (pure): events wait in order, each numbered, until the stream
// acknowledges them; a full buffer drops the oldest to keep the newest, and counts what it dropped.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace hyped::cluster {

struct BufferedEvent {
  std::string subject, payload, msg_id;
  long long seq = 0;  // 1, 2, … in the order queued
};

class EventBuffer {
 public:
  explicit EventBuffer(std::size_t limit);  // at least 1

  // Queues an event; true when the oldest one was dropped to make room.
  bool push(std::string subject, std::string payload, std::string msg_id);
  // The oldest event waiting; nullptr when none.
  const BufferedEvent* front() const { return events_.empty() ? nullptr : &events_.front(); }
  // The stream took event `seq`: it leaves, if it is still waiting (it may have been dropped meanwhile).
  void acknowledge(long long seq);

  std::size_t size() const { return events_.size(); }
  std::size_t limit() const { return limit_; }
  long long dropped() const { return dropped_; }
  long long last_queued() const { return next_seq_ - 1; }
  // Every event up to this number has been acknowledged or dropped.
  long long settled() const { return settled_; }

 private:
  std::size_t limit_;
  std::deque<BufferedEvent> events_;
  long long next_seq_ = 1;
  long long settled_ = 0;
  long long dropped_ = 0;
};

}  // namespace hyped::cluster
