// Which worker of a cluster lists the top channels (`hyped live --cluster --top`): one at a time, elected
// through the key `discovery` of the lease bucket. A candidate creates the key only where it is absent;
// the leader renews it every lease_s / 3 at the revision it last wrote, so the key expires lease_s after
// its leader dies or is cut off, and a standby creates it then. A leader that stops hands the key back at
// once. As with channel leases, the leader acts only while its key is known alive: renewed less than
// lease_s ago less a margin, by its own clock; past that it is deposed before another can be elected.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/cluster_wire.hpp"

namespace hyped::cluster {

class ClusterStore;

class DiscoveryElection {
 public:
  // `request`: what this worker lists when it leads (shown by `hyped cluster status`).
  DiscoveryElection(ClusterStore& store, std::string worker_id, std::string request);
  ~DiscoveryElection();
  DiscoveryElection(const DiscoveryElection&) = delete;
  DiscoveryElection& operator=(const DiscoveryElection&) = delete;

  // Called on the election's thread. on_deposed returns once the leader's work has stopped.
  std::function<void()> on_elected, on_deposed;

  void start();
  // Deposes this worker if it leads and gives the key back, so that a standby takes over at once.
  void stop();
  // Any thread: this worker leads and its key is known alive now.
  bool leading() const;
  // Any thread: how the leader's listing went, written into the key with its next renewal.
  void report_listing(int listed, const std::string& error);

 private:
  void run();
  void step();
  void elect(std::uint64_t revision, std::chrono::steady_clock::time_point sent);
  void depose(const char* why);

  ClusterStore& store_;
  const std::string id_;
  const std::string request_;

  mutable std::mutex mu_;  // the fields below: the election thread and callers of leading()/report_listing()
  bool leader_ = false;
  std::chrono::steady_clock::time_point valid_until_{};
  std::uint64_t revision_ = 0;
  DiscoveryLead lead_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hyped::cluster
