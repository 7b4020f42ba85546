// The app's side of acting on highlights: the runner started from [actions] (or --dry-run-actions), its
// results printed on stdout as `action` lines beside the highlights and published to the alert server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actions/action_options.hpp"
#include "core/action_result.hpp"
#include "core/highlight.hpp"

namespace hyped {

class AlertServer;
class ActionRunner;

// One line on stdout, whole, whichever thread prints it.
void print_line(const std::string& line);

class HighlightActions {
 public:
  // Nothing runs unless `opt` enables an action. Throws ConfigError when a needed secret is missing, and
  // std::runtime_error when Twitch refuses the token (one line, naming a missing scope).
  // `on_result` (optional) hears of each result too, on the actions' thread.
  HighlightActions(ActionOptions opt, AlertServer* server, bool print,
                   std::function<void(const ActionResult&)> on_result = {});
  ~HighlightActions();
  bool enabled() const { return runner_ != nullptr; }
  // From the detector's thread; never blocks.
  void submit(const std::string& channel, const Highlight& h);
  // Waits for the actions still running (at most about a save or a clip's confirmation), then stops.
  void finish();

 private:
  std::unique_ptr<ActionRunner> runner_;
  std::chrono::milliseconds grace_{0};
};

}  // namespace hyped
