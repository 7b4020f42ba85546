#include "app/highlight_actions.hpp"

#include <iostream>
#include <mutex>

#include "actions/action_runner.hpp"
#include "app/actions_config.hpp"
#include "app/config.hpp"
#include "server/alert_server.hpp"
#include "server/messages.hpp"

namespace hyped {

void print_line(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cout << line << std::endl;
}

HighlightActions::HighlightActions(ActionOptions opt, AlertServer* server, bool print,
                                   std::function<void(const ActionResult&)> on_result) {
  if (!opt.any()) return;
  finish_actions_config(opt);
  grace_ = std::max(opt.obs.save_timeout, opt.twitch.clip_confirm_timeout) + std::chrono::seconds(5) +
           std::chrono::milliseconds(static_cast<long long>(opt.delay_s * 1000));
  runner_ = std::make_unique<ActionRunner>(std::move(opt), [server, print, on_result](const ActionResult& r) {
    const std::string msg = action_message(r);
    if (print) print_line(msg);
    if (server) server->publish_action(r);
    if (on_result) on_result(r);
  });
  runner_->start();
}

HighlightActions::~HighlightActions() { finish(); }

void HighlightActions::submit(const std::string& channel, const Highlight& h) {
  if (runner_) runner_->submit(channel, h);
}

void HighlightActions::finish() {
  if (runner_) runner_->finish(grace_);
  runner_.reset();
}

}  // namespace hyped
