// Counters and the tick-latency histogram behind GET /metrics, rendered in Prometheus text format.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <optional>
#include <string>

#include "server/discovery_status.hpp"

namespace hyped {

// The counters are bumped by every io thread of the server and need no lock; the maps and the histogram
// belong to whoever holds the server's state lock.
struct ServerMetrics {
  using Counter = std::atomic<long long>;
  std::map<std::string, long long> alerts;         // per channel
  std::map<std::string, double> ingest_lag_s;      // per channel
  long long followed = -1;                         // channels a live session follows now; -1: not told
  std::optional<DiscoveryStatus> discovery;
  Counter dropped_messages = 0;                    // score/highlight messages a slow client lost
  Counter slow_disconnects = 0;
  Counter clients = 0;                             // websocket clients now
  Counter clients_total = 0;
  Counter protocol_errors = 0;                     // clients closed for malformed frames
  Counter unauthorized = 0;
  Counter webhook_ok = 0, webhook_failed = 0, webhook_retries = 0;
  Counter detector_drops = 0;                      // audio chunks the ingest side dropped
  std::map<std::string, long long> actions_ok, actions_failed;  // per action kind

  // Detector tick latency, milliseconds.
  static constexpr std::array<double, 10> kTickBucketsMs = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100};
  std::array<long long, kTickBucketsMs.size()> tick_buckets{};
  long long tick_count = 0;
  double tick_sum_ms = 0;
  void observe_tick(double ms);

  // resident_bytes: the process's resident memory (-1: unknown), with its share per followed channel.
  std::string prometheus_text(long long resident_bytes = -1) const;
};

}  // namespace hyped
