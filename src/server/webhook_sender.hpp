// Webhooks: a POST of each highlight's JSON to every configured http:// URL, retried with exponential
// backoff and jitter on connection failures, timeouts and 5xx; each highlight is delivered once.
#pragma once

#include <memory>
#include <string>

#include "server/server_internal.hpp"

namespace hyped {

struct HttpUrl {
  std::string host, port, target;
};
// Accepts "http://host[:port]/path". Throws std::invalid_argument for anything else.
HttpUrl parse_http_url(const std::string& url);

class WebhookSender {
 public:
  // `server_started` (ISO-8601) goes out with every POST: highlight ids count per server run.
  WebhookSender(net::io_context& ioc, ServerMetrics& metrics, const ServerOptions& opt, std::string server_started);
  void post(const std::shared_ptr<const std::string>& body, const std::string& highlight_key);
  bool enabled() const { return !urls_.empty(); }
  int in_flight() const { return *in_flight_; }

 private:
  net::io_context& ioc_;
  ServerMetrics& metrics_;
  std::vector<HttpUrl> urls_;
  int attempts_;
  std::chrono::milliseconds backoff_;
  std::shared_ptr<const std::string> started_;
  std::shared_ptr<int> in_flight_ = std::make_shared<int>(0);
};

}  // namespace hyped
