// Which channels a worker should claim, give up or hand over, given what every worker sees in the
// key-value store: the wanted set, the leases and the workers' loads. Pure and deterministic, so that
// workers looking at the same view agree without talking to each other.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace hyped::cluster {

struct WorkerLoad {
  std::string id;
  double cpu_headroom = 1.0;  // share of the machine's CPU left idle, 0..1
  // Channels its heartbeat says it publishes. One whose lease is missing (expired while the NATS server
  // was away) is still its own, about to be re-asserted: nobody else claims it.
  std::set<std::string> publishing;
};

struct LeaseView {
  std::string owner;
  std::string handover_to;  // empty: none under way
  bool ready = false;       // the taker has warmed up
};

struct ClusterView {
  std::set<std::string> wanted;
  std::map<std::string, LeaseView> leases;  // by channel; a lease exists only while its owner heartbeats
  std::vector<WorkerLoad> workers;          // every live worker (each heartbeats its load)
};

// Who holds a channel: its lease's owner, else a live worker whose heartbeat says it publishes it (the
// first by id); empty: it is free.
std::string holder_of(const ClusterView& view, const std::string& channel);

struct BalanceOptions {
  // A worker with less idle CPU than this takes no more channels (it keeps those it has).
  double min_cpu_headroom = 0.1;
  // Move channels to a worker that joined by a hand-over (the taker warms up before the holder lets go);
  // false: the holder lets go at once and the taker claims the free channel.
  bool handover = true;
};

struct Handover {
  std::string channel;
  std::string to;
  bool operator==(const Handover&) const = default;
};

struct ClaimPlan {
  std::vector<std::string> claim;            // free channels to take
  std::vector<std::string> release;          // held channels to give up (no longer wanted, or moved without hand-over)
  std::vector<Handover> hand_over;           // held channels to offer to an under-loaded worker
  std::vector<std::string> cancel_handover;  // offers whose taker is gone
  std::vector<std::string> complete;         // offers whose taker is ready: write the lease over to it
  std::vector<std::string> shadow;           // channels offered to me: follow them, warming up, unpublished
};

// How many channels each worker should hold: the wanted channels spread evenly over the workers with CPU
// headroom (those without keep what they hold), the remainder to those holding most, then by id.
std::map<std::string, int> target_shares(const ClusterView& view, const BalanceOptions& opt);

// What worker `me` should do now.
ClaimPlan plan_claims(const ClusterView& view, const std::string& me, const BalanceOptions& opt);

// Rendezvous weight of a (worker, channel) pair: each channel prefers some workers over others.
unsigned long long rendezvous_weight(const std::string& worker, const std::string& channel);

}  // namespace hyped::cluster
