// A real nats-server with JetStream on a free loopback port, started and stopped by a test: the
// cluster tests meet the server hyped meets in production, never a stand-in.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "cluster/cluster_options.hpp"

namespace hyped::test {

class NatsServerProcess {
 public:
  // Where nats-server is (PATH, then /usr/sbin); nullopt when it is not installed.
  static std::optional<std::string> find_binary();

  // Starts it with its store in `store_dir` on `port` (0: a free one) and waits until it accepts
  // connections. Throws when it cannot be started or never listens.
  NatsServerProcess(std::string store_dir, int port = 0);
  ~NatsServerProcess();  // stops it
  NatsServerProcess(const NatsServerProcess&) = delete;
  NatsServerProcess& operator=(const NatsServerProcess&) = delete;

  void stop();     // SIGTERM, then waits for it to exit
  void restart();  // the same port and store: what JetStream kept is there again
  int port() const { return port_; }
  std::string url() const;

 private:
  void start();
  std::string store_dir_;
  int port_;
  pid_t pid_ = -1;
};

// A directory of its own for a server's JetStream store, removed afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
};

// Polls `pred` every 20 ms; false when it did not hold within `timeout`.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Cluster settings pointing at `server`, with leases of `lease_s`.
inline hyped::cluster::ClusterOptions cluster_options(const NatsServerProcess& server, double lease_s = 10) {
  hyped::cluster::ClusterOptions opt;
  opt.url = server.url();
  opt.lease_s = lease_s;
  return opt;
}

}  // namespace hyped::test
