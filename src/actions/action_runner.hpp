// Acts on highlights off the detector's thread: an OBS replay save, a Twitch clip and a stream marker per
// highlight, each at most once per highlight id (revisions of a highlight are not new moments). Runs its
// own io thread; submit() only queues, so a slow or dead OBS or Twitch never delays detection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actions/action_options.hpp"
#include "core/action_result.hpp"
#include "core/highlight.hpp"

namespace hyped {

class ActionRunner {
 public:
  // `on_result` runs on the runner's thread, once per action done (or failed).
  using ResultHandler = std::function<void(const ActionResult&)>;
  ActionRunner(ActionOptions opt, ResultHandler on_result);
  ~ActionRunner();
  ActionRunner(const ActionRunner&) = delete;
  ActionRunner& operator=(const ActionRunner&) = delete;

  // Starts the thread, validates the Twitch token (throws std::runtime_error with one clear line: an
  // invalid token, a missing scope by name) and starts connecting to OBS.
  void start();
  // Any thread; never blocks. The first of each (channel, highlight id) is acted on.
  void submit(const std::string& channel, const Highlight& h);
  // Waits up to `grace` for actions in flight, then stops.
  void finish(std::chrono::milliseconds grace);
  long long dropped() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hyped
