// Publishes events (highlights, action results) to the JetStream stream on its own thread, each with
// its de-duplication id, so the detector never waits on NATS. While NATS cannot take them (a server
// restart) they wait in a bounded buffer and go out, in order, after the reconnect; a retry after a lost
// acknowledgement is dropped by the stream as a duplicate. A full buffer drops the oldest event and
// counts it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/event_buffer.hpp"

namespace hyped::cluster {

class NatsConnection;

struct PublisherCounters {
  long long published = 0;  // acknowledged by the stream (duplicates included)
  long long duplicates = 0;  // the stream already had that id
  long long dropped = 0;    // pushed out of a full buffer
  long long retries = 0;    // attempts that failed and were repeated
  std::size_t buffered = 0; // waiting now
};

class EventPublisher {
 public:
  EventPublisher(NatsConnection& conn, std::size_t buffer_limit);
  ~EventPublisher();  // stops: what is still buffered is lost (flush() first)
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Any thread; never blocks on NATS.
  void publish(std::string subject, std::string payload, std::string msg_id);
  // Waits until everything queued so far is acknowledged, at most `timeout`. True when it was.
  bool flush(std::chrono::milliseconds timeout);
  PublisherCounters counters() const;

 private:
  void run();

  NatsConnection& conn_;
  mutable std::mutex mu_;
  std::condition_variable wake_, done_;
  EventBuffer buffer_;
  PublisherCounters counters_;  // but dropped and buffered, which buffer_ counts
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hyped::cluster
