// Reads the highlight stream for an alert server: first every event the stream keeps (so a server that
// starts late still knows the highlights clients may resume from), then new ones as they come, through an
// ordered consumer that survives server restarts. The server itself never learns of NATS: it gets plain
// highlights and action results through the handlers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "cluster/cluster_wire.hpp"

namespace hyped::cluster {

class ClusterStore;

class HighlightFeed {
 public:
  struct Handlers {
    // `replayed`: kept from before the feed started (no news: no webhook, no alert count).
    std::function<void(const HighlightEvent&, bool replayed)> on_highlight;
    std::function<void(const ActionResult&, bool replayed)> on_action;
  };
  HighlightFeed(ClusterStore& store, Handlers handlers);
  ~HighlightFeed();
  HighlightFeed(const HighlightFeed&) = delete;
  HighlightFeed& operator=(const HighlightFeed&) = delete;

  // Delivers the kept events (at most `catch_up` long), then follows new ones on a thread of its own.
  // Throws when the stream cannot be read.
  void start(std::chrono::milliseconds catch_up = std::chrono::seconds(60));
  void stop();
  long long delivered() const { return delivered_; }
  long long malformed() const { return malformed_; }
  long long redelivered() const { return redelivered_; }  // skipped: that stream sequence was delivered

 private:
  struct Impl;
  void deliver(const char* subject, const char* data, int len, bool replayed);
  void run();

  ClusterStore& store_;
  Handlers handlers_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> delivered_{0}, malformed_{0}, redelivered_{0};
  std::uint64_t last_seq_ = 0;  // the last stream sequence delivered (the feed's thread, after start)
  std::thread thread_;
};

}  // namespace hyped::cluster
