#include "server/metrics.hpp"

#include <sstream>

#include "server/process_memory.hpp"

namespace hyped {

void ServerMetrics::observe_tick(double ms) {
  for (std::size_t i = 0; i < kTickBucketsMs.size(); ++i)
    if (ms <= kTickBucketsMs[i]) ++tick_buckets[i];
  ++tick_count;
  tick_sum_ms += ms;
}

namespace {
std::string label_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}
}  // namespace

std::string ServerMetrics::prometheus_text(long long resident_bytes) const {
  std::ostringstream s;
  const auto metric = [&](const char* name, const char* type, const char* help) {
    s << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  metric("hyped_alerts_total", "counter", "Highlights detected, per channel.");
  for (const auto& [ch, n] : alerts) s << "hyped_alerts_total{channel=\"" << label_escape(ch) << "\"} " << n << '\n';
  metric("hyped_ingest_lag_seconds", "gauge", "How far detection trails the newest ingested media, per channel.");
  for (const auto& [ch, v] : ingest_lag_s)
    s << "hyped_ingest_lag_seconds{channel=\"" << label_escape(ch) << "\"} " << v << '\n';
  if (followed >= 0) {
    metric("hyped_followed_channels", "gauge", "Channels the live session follows now.");
    s << "hyped_followed_channels " << followed << '\n';
  }
  if (resident_bytes >= 0) {
    metric("process_resident_memory_bytes", "gauge", "Resident memory of the process.");
    s << "process_resident_memory_bytes " << resident_bytes << '\n';
    if (const long long share = memory_per_channel(resident_bytes, followed); share >= 0) {
      metric("hyped_resident_memory_per_channel_bytes", "gauge", "Resident memory over the channels followed now.");
      s << "hyped_resident_memory_per_channel_bytes " << share << '\n';
    }
  }
  if (discovery) {
    metric("hyped_discovery_listings_total", "counter", "Listings of live channels, by outcome.");
    s << "hyped_discovery_listings_total{result=\"ok\"} " << discovery->listings << '\n';
    s << "hyped_discovery_listings_total{result=\"failed\"} " << discovery->failures << '\n';
    metric("hyped_discovery_changes_total", "counter", "Channels that joined or left the followed set.");
    s << "hyped_discovery_changes_total{change=\"joined\"} " << discovery->joined << '\n';
    s << "hyped_discovery_changes_total{change=\"left\"} " << discovery->left << '\n';
  }
  metric("hyped_detector_tick_seconds", "histogram", "Time the backend takes for one detector tick.");
  for (std::size_t i = 0; i < kTickBucketsMs.size(); ++i)
    s << "hyped_detector_tick_seconds_bucket{le=\"" << kTickBucketsMs[i] / 1000.0 << "\"} " << tick_buckets[i] << '\n';
  s << "hyped_detector_tick_seconds_bucket{le=\"+Inf\"} " << tick_count << '\n';
  s << "hyped_detector_tick_seconds_sum " << tick_sum_ms / 1000.0 << '\n';
  s << "hyped_detector_tick_seconds_count " << tick_count << '\n';
  metric("hyped_dropped_messages_total", "counter", "Messages dropped: slow websocket clients and full ingest queues.");
  s << "hyped_dropped_messages_total{where=\"client\"} " << dropped_messages.load() << '\n';
  s << "hyped_dropped_messages_total{where=\"ingest\"} " << detector_drops.load() << '\n';
  metric("hyped_clients", "gauge", "Websocket clients connected now.");
  s << "hyped_clients " << clients.load() << '\n';
  metric("hyped_clients_total", "counter", "Websocket clients accepted.");
  s << "hyped_clients_total " << clients_total.load() << '\n';
  metric("hyped_slow_client_disconnects_total", "counter", "Clients disconnected for not keeping up.");
  s << "hyped_slow_client_disconnects_total " << slow_disconnects.load() << '\n';
  metric("hyped_protocol_errors_total", "counter", "Clients closed for malformed messages.");
  s << "hyped_protocol_errors_total " << protocol_errors.load() << '\n';
  metric("hyped_unauthorized_total", "counter", "Requests refused for a missing or wrong token.");
  s << "hyped_unauthorized_total " << unauthorized.load() << '\n';
  metric("hyped_webhook_deliveries_total", "counter", "Webhook POSTs by outcome.");
  s << "hyped_webhook_deliveries_total{result=\"ok\"} " << webhook_ok.load() << '\n';
  s << "hyped_webhook_deliveries_total{result=\"failed\"} " << webhook_failed.load() << '\n';
  s << "hyped_webhook_deliveries_total{result=\"retry\"} " << webhook_retries.load() << '\n';
  metric("hyped_actions_total", "counter", "Actions taken on highlights (OBS replay saves, Twitch clips, markers).");
  for (const auto& [kind, n] : actions_ok) s << "hyped_actions_total{kind=\"" << kind << "\",result=\"ok\"} " << n << '\n';
  for (const auto& [kind, n] : actions_failed)
    s << "hyped_actions_total{kind=\"" << kind << "\",result=\"failed\"} " << n << '\n';
  return s.str();
}

}  // namespace hyped
