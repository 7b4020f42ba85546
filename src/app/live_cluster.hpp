// `hyped live --cluster`: a worker of a hyped cluster. Its LiveSession starts empty and follows the
// channels the worker's leases give it (cluster/cluster_worker.hpp); highlights and action results go to
// the cluster's stream under cluster-wide ids, and to stdout and a local --serve as in `hyped live`.
// Each Twitch channel followed brings its chat, as in `hyped live`. With --top, the worker stands for
// discovery leader and, while it leads, writes the top channels into the wanted set (app/cluster_top.hpp).
#pragma once

#include <optional>

#include "app/config.hpp"
#include "app/live_command.hpp"
#include "app/live_session.hpp"
#include "discovery/channel_discovery.hpp"

namespace hyped {

// --top: what a worker lists while it leads discovery.
struct ClusterTop {
  DiscoveryOptions options;
  TopRequest request;
};

int run_live_cluster(const LiveOptions& opt, AppConfig& cfg, LiveSessionOptions so, const std::optional<ClusterTop>& top);

}  // namespace hyped
