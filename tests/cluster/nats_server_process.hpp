// A real nats-server with JetStream on a free loopback port, started and stopped by a test: the
// cluster tests meet the server hyped meets in production, never a stand-in.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

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

}  // namespace hyped::test
