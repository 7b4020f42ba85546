// A client of OBS's websocket server (obs-websocket v5): the Hello/Identify handshake with the challenge
// authentication, requests matched to responses by id, and replay-buffer saves reported with the file
// OBS wrote. It reconnects with backoff when OBS closes or restarts; a refused password (close code
// 4009) is reported once and ends it. Runs on the caller's single-threaded executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "actions/action_options.hpp"
#include "core/action_result.hpp"

namespace hyped {

class ObsClient {
 public:
  ObsClient(boost::asio::any_io_executor executor, ObsActionOptions opt);
  ~ObsClient();
  ObsClient(const ObsClient&) = delete;
  ObsClient& operator=(const ObsClient&) = delete;

  // Starts connecting (and reconnecting) in the background.
  void start();
  void stop();
  // Saves the replay buffer (starting it first when configured and inactive); one save at a time, so
  // each ReplayBufferSaved event answers the save that asked for it. Waits for OBS to come back when it
  // is away, up to the save timeout. The result carries the saved file's path.
  boost::asio::awaitable<ActionResult> save_replay(std::string chapter_name);
  // Set once OBS refused the password: one clear line, and no more attempts.
  const std::string& fatal_error() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hyped
