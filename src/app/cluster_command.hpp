// The cluster's commands: `hyped serve --cluster` (the alert server fed from the stream) and
// `hyped cluster add|remove|status` (the wanted set and what the workers do). Workers are `hyped live
// --cluster` (live_command.hpp).
#pragma once

#include <string>
#include <vector>

namespace hyped {

struct ServeOptions {
  std::string cluster;  // nats://HOST:PORT; empty: cluster.url from the config
  std::string serve;    // ADDR:PORT
  std::string config;
};

// Serves alerts from the cluster's stream until SIGINT/SIGTERM. Returns the exit code; throws on
// failures (ConfigError → 2, anything else → 1).
int run_serve(const ServeOptions& opt);

struct ClusterAdminOptions {
  std::string command;  // add | remove | status
  std::vector<std::string> channels;  // add: LOGIN or NAME=URL; remove: NAME
  std::string chat_channel;  // add, one channel: the Twitch chat to follow for it
  std::string cluster;
  std::string config;
  bool json = false;  // status: one JSON object instead of tables
};

int run_cluster_admin(const ClusterAdminOptions& opt);

}  // namespace hyped
