// `hyped live --cluster`: a worker of a hyped cluster. Its LiveSession starts empty and follows the
// channels the worker's leases give it (cluster/cluster_worker.hpp); highlights and action results go to
// the cluster's stream under cluster-wide ids, and to stdout and a local --serve as in `hyped live`.
#pragma once

#include "app/config.hpp"
#include "app/live_command.hpp"
#include "app/live_session.hpp"

namespace hyped {

int run_live_cluster(const LiveOptions& opt, AppConfig& cfg, LiveSessionOptions so);

}  // namespace hyped
