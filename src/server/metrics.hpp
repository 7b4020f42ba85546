// Counters and the tick-latency histogram behind GET /metrics, rendered in Prometheus text format.
#pragma once

#include <array>
#include <map>
#include <string>

namespace hyped {

struct ServerMetrics {
  std::map<std::string, long long> alerts;         // per channel
  std::map<std::string, double> ingest_lag_s;      // per channel
  long long dropped_messages = 0;                  // score/highlight messages a slow client lost
  long long slow_disconnects = 0;
  long long clients = 0;                           // websocket clients now
  long long clients_total = 0;
  long long protocol_errors = 0;                   // clients closed for malformed frames
  long long unauthorized = 0;
  long long webhook_ok = 0, webhook_failed = 0, webhook_retries = 0;
  long long detector_drops = 0;                    // samples/messages the ingest side dropped

  // Detector tick latency, milliseconds.
  static constexpr std::array<double, 10> kTickBucketsMs = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100};
  std::array<long long, kTickBucketsMs.size()> tick_buckets{};
  long long tick_count = 0;
  double tick_sum_ms = 0;
  void observe_tick(double ms);

  std::string prometheus_text() const;
};

}  // namespace hyped
