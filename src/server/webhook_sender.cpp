#include "server/webhook_sender.hpp"

#include <spdlog/spdlog.h>

#include <random>
#include <stdexcept>

namespace hyped {

HttpUrl parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("webhook URL '" + url + "' must start with http://");
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  HttpUrl u;
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  u.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  u.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (u.host.empty() || u.port.empty()) throw std::invalid_argument("webhook URL '" + url + "' has no host");
  return u;
}

namespace {

// One delivery of one body to one URL, with its retries.
class Delivery : public std::enable_shared_from_this<Delivery> {
 public:
  Delivery(net::io_context& ioc, ServerMetrics& m, HttpUrl url, std::shared_ptr<const std::string> body,
           std::string key, std::shared_ptr<const std::string> started, int attempts, std::chrono::milliseconds backoff,
           std::shared_ptr<int> in_flight)
      : ioc_(ioc), metrics_(m), url_(std::move(url)), body_(std::move(body)), key_(std::move(key)),
        started_(std::move(started)),
        attempts_left_(attempts), backoff_(backoff), resolver_(ioc), timer_(ioc), in_flight_(std::move(in_flight)) {
    ++*in_flight_;
  }
  ~Delivery() { --*in_flight_; }

  void start() {
    --attempts_left_;
    stream_ = std::make_unique<beast::tcp_stream>(ioc_);
    stream_->expires_after(std::chrono::seconds(5));
    resolver_.async_resolve(url_.host, url_.port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return self->retry("resolve: " + ec.message());
      self->stream_->async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->retry("connect: " + ec2.message());
        self->send();
      });
    });
  }

 private:
  void send() {
    req_ = {http::verb::post, url_.target, 11};
    req_.set(http::field::host, url_.host + ":" + url_.port);
    req_.set(http::field::user_agent, "hyped");
    req_.set(http::field::content_type, "application/json");
    req_.set("X-Hyped-Highlight", key_);  // lets a receiver drop a retried duplicate
    req_.set("X-Hyped-Started", *started_);  // ids count again from 1 in another run of the server
    req_.body() = *body_;
    req_.prepare_payload();
    http::async_write(*stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->retry("write: " + ec.message());
      http::async_read(*self->stream_, self->buf_, self->res_, [self](beast::error_code ec2, std::size_t) {
        if (ec2) return self->retry("read: " + ec2.message());
        const unsigned status = self->res_.result_int();
        beast::error_code ignored;
        self->stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
        if (status >= 200 && status < 300) {
          ++self->metrics_.webhook_ok;
          return;
        }
        if (status >= 500) return self->retry("HTTP " + std::to_string(status));
        ++self->metrics_.webhook_failed;  // 4xx: the receiver refuses it; retrying cannot help
        spdlog::warn("webhook {}{}: refused with HTTP {}", self->url_.host, self->url_.target, status);
      });
    });
  }

  void retry(const std::string& why) {
    if (attempts_left_ <= 0) {
      ++metrics_.webhook_failed;
      spdlog::warn("webhook {}:{}{} failed for good: {}", url_.host, url_.port, url_.target, why);
      return;
    }
    ++metrics_.webhook_retries;
    std::mt19937 rng(std::random_device{}());
    const auto base = backoff_ * (1 << std::min(attempt_++, 6));
    const auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<long>(0, base.count() / 2)(rng));
    spdlog::debug("webhook {}: {}; retry in {} ms", url_.host, why, (base + jitter).count());
    timer_.expires_after(base + jitter);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->start();
    });
  }

  net::io_context& ioc_;
  ServerMetrics& metrics_;
  HttpUrl url_;
  std::shared_ptr<const std::string> body_;
  std::string key_;
  std::shared_ptr<const std::string> started_;
  int attempts_left_;
  int attempt_ = 0;
  std::chrono::milliseconds backoff_;
  tcp::resolver resolver_;
  net::steady_timer timer_;
  std::unique_ptr<beast::tcp_stream> stream_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buf_;
  std::shared_ptr<int> in_flight_;
};

}  // namespace

WebhookSender::WebhookSender(net::io_context& ioc, ServerMetrics& metrics, const ServerOptions& opt,
                             std::string server_started)
    : ioc_(ioc),
      metrics_(metrics),
      attempts_(std::max(1, opt.webhook_attempts)),
      backoff_(opt.webhook_backoff),
      started_(std::make_shared<const std::string>(std::move(server_started))) {
  for (const auto& u : opt.webhooks) urls_.push_back(parse_http_url(u));
}

void WebhookSender::post(const std::shared_ptr<const std::string>& body, const std::string& key) {
  for (const HttpUrl& u : urls_)
    std::make_shared<Delivery>(ioc_, metrics_, u, body, key, started_, attempts_, backoff_, in_flight_)->start();
}

}  // namespace hyped
