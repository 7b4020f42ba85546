// The alert server: one HTTP + websocket endpoint for clip bots, overlays and monitoring.
//   /ws            websocket: highlights (and, on request, scores at most 2/s) per subscription
//   /api/highlights?channel=&since=   /api/status   /metrics   /healthz   /overlay?channel=
// It runs on its own io threads; publish_* may be called from any thread and never wait on a client.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/action_result.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"
#include "server/discovery_status.hpp"

namespace hyped {

// A webhook: where to POST, and the body's format ("hyped", "discord" or "slack").
struct WebhookTarget {
  WebhookTarget(std::string u = {}, std::string f = "hyped") : url(std::move(u)), format(std::move(f)) {}
  std::string url;  // http:// or https://
  std::string format;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8787;              // 0: any free port
  std::string token;                       // empty: no auth
  std::vector<std::string> allowed_origins;  // empty: any Origin
  std::size_t client_queue_limit = 512;    // messages queued per websocket client
  std::size_t max_message_bytes = 16 * 1024;
  std::size_t socket_send_buffer = 64 * 1024;  // kernel send buffer per websocket client
  std::chrono::seconds idle_timeout{60};   // websocket: no traffic, not even a pong
  std::size_t history_limit = 10000;       // highlights kept for /api/highlights
  std::vector<WebhookTarget> webhooks;     // URLs receiving a POST per highlight and per action result
  std::string webhook_ca_file;             // extra CA certificates (PEM) for https:// webhooks
  int webhook_attempts = 5;
  std::chrono::milliseconds webhook_backoff{500};
  // Threads sending to websocket clients; each client stays on one. 0: half the cores, at most 8
  // (one on a two-core machine, where the detector needs the other).
  unsigned io_threads = 0;
  // What `hello`, /api/status and webhooks give as the server's start, the run its highlight ids belong
  // to (empty: now). Servers fed from one shared stream give the stream's creation time, since they all
  // hand out the stream's ids.
  std::string started;
};

// The number of io threads `opt.io_threads` asks for (0: chosen from the machine's cores).
unsigned io_thread_count(const ServerOptions& opt);

// "127.0.0.1:8787", ":8787", "8787" → address and port. Throws std::invalid_argument.
void parse_listen_address(const std::string& s, ServerOptions& out);

struct ChannelStatus {
  std::string name;
  double media_time_s = 0;   // newest media time the detector has processed
  double ingest_lag_s = 0;
};

class AlertServer {
 public:
  explicit AlertServer(ServerOptions opt);
  ~AlertServer();
  AlertServer(const AlertServer&) = delete;
  AlertServer& operator=(const AlertServer&) = delete;

  // Binds and starts serving on its own threads. Throws std::runtime_error when it cannot bind.
  void start();
  unsigned short port() const;

  void publish_highlight(const std::string& channel, const Highlight& h,
                         std::chrono::system_clock::time_point wall = std::chrono::system_clock::now());
  // An action's result: to clients of its channel, onto its highlight in /api/highlights, into /metrics.
  void publish_action(const ActionResult& r);
  // A highlight or action result from before this server started (read back from a stream that kept it):
  // into the history that /api/highlights and ?since= resumption serve, and to connected clients, but no
  // webhook and no alert count: it is not news.
  void restore_highlight(const std::string& channel, const Highlight& h, std::chrono::system_clock::time_point wall);
  void restore_action(const ActionResult& r);
  void publish_score(const std::string& channel, double time_s, const HopFeatures& f);
  void set_backend(const std::string& name);
  void set_channel_status(const ChannelStatus& st);
  // The live session's followed set: /api/status lists it ("followed"); a channel that leaves drops out
  // of "channels" and of /metrics' per-channel gauges.
  void set_followed(const std::string& channel, bool followed);
  void set_discovery(const DiscoveryStatus& d);
  void observe_tick(double latency_ms);
  void count_ingest_drops(long long n);

  // Tells clients the stream is over ({"type":"end"}), closes them, waits up to `grace` for queued
  // messages and webhooks to go out, then stops.
  void finish(const std::string& reason, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Closes every connection and joins the io threads; once stopped, a server does not start again.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hyped
