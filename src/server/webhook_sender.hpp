// Webhooks: a POST per highlight (and per action result) to every configured http:// or https:// URL
// (system trust store plus webhook_ca_file), in each URL's format (hyped, discord, slack). Retried with
// exponential backoff and jitter on connection failures, timeouts and 5xx; a 429 waits as long as the
// receiver asks (Discord's retry_after); a certificate that fails verification is reported once per URL.
#pragma once

#include <memory>
#include <string>

#include "server/server_internal.hpp"
#include "server/webhook_format.hpp"

namespace hyped {

class TlsTrust;

class WebhookSender {
 public:
  // `server_started` (ISO-8601) goes out with every POST: highlight ids count per server run.
  // Throws std::invalid_argument for a URL or format it cannot send to.
  WebhookSender(net::io_context& ioc, ServerMetrics& metrics, const ServerOptions& opt, std::string server_started);
  ~WebhookSender();
  // On the hub thread. `msg`: the websocket message, the hyped format's body.
  void post_highlight(const std::string& channel, const Highlight& h, const std::shared_ptr<const std::string>& msg);
  void post_action(const ActionResult& r, const std::shared_ptr<const std::string>& msg);
  bool enabled() const { return !targets_.empty(); }
  int in_flight() const;

  struct Target;
  struct Shared;

 private:
  void deliver(const std::shared_ptr<Target>& t, std::string body, std::string key);
  std::vector<std::shared_ptr<Target>> targets_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hyped
