#include "app/highlight_actions.hpp"

#include <iostream>
#include <mutex>

#include "app/actions_config.hpp"
#include "app/config.hpp"
#include "server/alert_server.hpp"
#include "server/messages.hpp"
#ifdef HYPED_HAVE_ACTIONS
#include "actions/action_runner.hpp"
#endif

namespace hyped {

void print_line(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cout << line << std::endl;
}

#ifdef HYPED_HAVE_ACTIONS
HighlightActions::HighlightActions(ActionOptions opt, AlertServer* server, bool print) {
  if (!opt.any()) return;
  finish_actions_config(opt);
  grace_ = std::max(opt.obs.save_timeout, opt.twitch.clip_confirm_timeout) + std::chrono::seconds(5) +
           std::chrono::milliseconds(static_cast<long long>(opt.delay_s * 1000));
  runner_ = std::make_shared<ActionRunner>(std::move(opt), [server, print](const ActionResult& r) {
    const std::string msg = action_message(r);
    if (print) print_line(msg);
    if (server) server->publish_action(r);
  });
  runner_->start();
}
#else
HighlightActions::HighlightActions(ActionOptions opt, AlertServer*, bool) {
  if (opt.any()) throw ConfigError("this build takes no actions ([actions] needs the HTTP client built with FFmpeg)");
}
#endif

HighlightActions::~HighlightActions() { finish(); }

void HighlightActions::submit(const std::string& channel, const Highlight& h) {
#ifdef HYPED_HAVE_ACTIONS
  if (runner_) runner_->submit(channel, h);
#else
  (void)channel;
  (void)h;
#endif
}

void HighlightActions::finish() {
#ifdef HYPED_HAVE_ACTIONS
  if (runner_) runner_->finish(grace_);
  runner_.reset();
#endif
}

}  // namespace hyped
