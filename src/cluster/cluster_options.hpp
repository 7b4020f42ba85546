// Settings of a hyped cluster ([cluster] in hyped.toml; the URL and worker id come from the command line).
#pragma once

#include <cstddef>
#include <string>

namespace hyped::cluster {

struct ClusterOptions {
  std::string url = "nats://127.0.0.1:4222";
  // A worker that stops heartbeating loses its channels this long after its last heartbeat; it
  // heartbeats every lease_s / 3. Fixed when the lease bucket is created (its TTL).
  double lease_s = 10;
  // How long the stream keeps highlights for clients to catch up (its max age). Fixed at creation.
  double retention_h = 24;
  // Events a worker keeps while NATS cannot take them (a server restart); beyond, the oldest is dropped
  // and counted.
  std::size_t publish_buffer = 10000;
  // A worker with less idle CPU than this takes no more channels.
  double min_cpu_headroom = 0.1;
  // Channels move to a worker that joined by a hand-over: it follows them unpublished for
  // handover_warmup_s (the detector's warm-up) before the holder lets go. false: stop, then start.
  bool handover = true;
  double handover_warmup_s = -1;  // < 0: the detector's warmup_s plus 2 s
};

}  // namespace hyped::cluster
