// The cluster's shared state in NATS: the wanted channels and the leases and worker heartbeats in two
// JetStream key-value buckets, and the highlight stream's per-channel state. One connection; every call
// is a request to the server (a whole bucket is read through one watcher, not a request per key), throwing NatsError (a std::runtime_error) with context when it fails.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster_options.hpp"
#include "cluster/cluster_wire.hpp"

namespace hyped::cluster {

class NatsConnection;

struct LeaseEntry {
  Lease lease;
  std::uint64_t revision = 0;
  long long written_ms = 0;  // when it was last renewed (Unix ms): it expires lease_s later
};

class ClusterStore {
 public:
  // Connects and makes sure the stream and buckets exist (creating them with `opt`'s lease and
  // retention where they do not). Throws when the server cannot be reached or lacks JetStream.
  ClusterStore(const ClusterOptions& opt, const std::string& client_name);
  ~ClusterStore();
  ClusterStore(const ClusterStore&) = delete;
  ClusterStore& operator=(const ClusterStore&) = delete;

  NatsConnection& connection();
  bool connected() const;
  std::uint64_t reconnects() const;  // times the connection came back after losing the server
  double lease_s() const;  // the lease bucket's TTL (it may predate our options)

  // Wanted channels.
  void put_wanted(const WantedChannel& w);
  bool remove_wanted(const std::string& name);  // false: it was not wanted
  std::vector<WantedChannel> wanted();
  struct WantedEntry {
    WantedChannel channel;
    std::uint64_t revision = 0;
  };
  // The wanted channels with their revisions, and the skip marks, as one read of the bucket.
  struct WantedSet {
    std::map<std::string, WantedEntry> channels;
    std::set<std::string> skipped;
  };
  WantedSet wanted_set();
  // Discovery's writes, which never overwrite an operator's: a listed channel goes in only where the key
  // is free (false: it exists), a discovered one comes out only where it is unchanged since `revision`
  // (false: it changed, e.g. `hyped cluster add` made it the operator's).
  bool create_wanted(const WantedChannel& w);
  bool remove_wanted_at(const std::string& name, std::uint64_t revision);
  // Skip marks: channels discovery must not add back while they stay listed.
  void skip_wanted(const std::string& name);
  void unskip_wanted(const std::string& name);

  // The discovery leader's key (in the lease bucket: it expires lease_s after its last renewal). create:
  // nullopt when someone holds it; update: nullopt when it changed since `revision`.
  struct DiscoveryLeadEntry {
    DiscoveryLead lead;
    std::uint64_t revision = 0;
    long long written_ms = 0;
  };
  std::optional<DiscoveryLeadEntry> discovery_lead();
  std::optional<std::uint64_t> create_discovery_lead(const DiscoveryLead& d);
  std::optional<std::uint64_t> update_discovery_lead(const DiscoveryLead& d, std::uint64_t revision);
  void delete_discovery_lead();

  // Leases, by channel. create: nullopt when someone holds it; update: nullopt when it changed since
  // `revision` (someone else wrote it, or it expired).
  std::map<std::string, LeaseEntry> leases();
  std::optional<LeaseEntry> lease(const std::string& channel);  // one request: nullopt when none
  std::optional<std::uint64_t> create_lease(const std::string& channel, const Lease& l);
  std::optional<std::uint64_t> update_lease(const std::string& channel, const Lease& l, std::uint64_t revision);
  void delete_lease(const std::string& channel);

  // Worker heartbeats.
  std::vector<WorkerStatus> workers();
  // The leases and the heartbeats together, as one read of their bucket.
  struct Shared {
    std::map<std::string, LeaseEntry> leases;
    std::vector<WorkerStatus> workers;
  };
  Shared shared();
  void put_worker(const WorkerStatus& w);
  void delete_worker(const std::string& id);

  // The newest highlight published for a channel (nullopt: none kept).
  std::optional<HighlightEvent> last_highlight(const std::string& channel);
  // The stream's creation time (Unix ms) and its last sequence number.
  struct StreamState {
    long long created_ms = 0;
    std::uint64_t last_seq = 0;
    std::uint64_t messages = 0;
  };
  StreamState stream_state();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped::cluster
