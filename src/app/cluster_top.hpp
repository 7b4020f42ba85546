// `hyped live --cluster URL --top N`: the worker stands for discovery leader (cluster/discovery_election.hpp)
// and, while it leads, lists the top channels (ChannelDiscovery) and writes each listing into the cluster's
// wanted set (cluster/listing_reconcile.hpp), which every worker follows by its leases. A standby lists
// nothing; it starts listing at once when it is elected.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cluster/discovery_election.hpp"
#include "discovery/channel_discovery.hpp"

namespace hyped {

namespace cluster {
class ClusterStore;
}

class ClusterTopLister {
 public:
  // `discovery`'s on_listing and on_status are taken over; its credentials checked already.
  ClusterTopLister(cluster::ClusterStore& store, ChannelDiscovery& discovery, const std::string& worker_id,
                   const std::string& request);
  ~ClusterTopLister();
  ClusterTopLister(const ClusterTopLister&) = delete;
  ClusterTopLister& operator=(const ClusterTopLister&) = delete;

  // The listing thread's status (for a local --serve).
  std::function<void(const DiscoveryStatus&)> on_status;

  void start();
  // Stops listing and hands the lead back.
  void stop();

 private:
  void write_listing(const std::vector<std::string>& logins);

  cluster::ClusterStore& store_;
  ChannelDiscovery& discovery_;
  cluster::DiscoveryElection election_;
  long long failures_seen_ = 0;  // listing thread
};

// What --top asks for, in words, for logs and `hyped cluster status`: "top 20, game Just Chatting, …".
std::string describe_top_request(const TopRequest& req);

}  // namespace hyped
