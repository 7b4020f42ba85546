#include "server/webhook_sender.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <stdexcept>

#include "live/http_client.hpp"
#include "live/url.hpp"

namespace hyped {

// Results of co_await are assigned to locals declared beforehand, never used to initialise them: GCC 12
// mis-destroys such locals in some coroutines (double free).

struct WebhookSender::Target {
  std::string url;
  std::string shown;  // for logs: the origin only, since webhook paths hold secrets (Discord's token)
  WebhookFormat format;
  bool said_permanent = false;
};

struct WebhookSender::Shared {
  net::io_context& ioc;
  ServerMetrics& metrics;
  std::shared_ptr<TlsTrust> trust;
  std::string started;
  int attempts;
  std::chrono::milliseconds backoff;
  int in_flight = 0;
};

namespace {

constexpr int kMaxRateLimited = 8;  // 429s one delivery waits out before giving up

net::awaitable<void> sleep_for(net::io_context& ioc, std::chrono::milliseconds d) {
  net::steady_timer t(ioc);
  t.expires_after(d);
  co_await t.async_wait(net::as_tuple(net::use_awaitable));
}

net::awaitable<void> deliver_one(std::shared_ptr<WebhookSender::Shared> s, std::shared_ptr<WebhookSender::Target> t,
                                 std::string body, std::string key) {
  ++s->in_flight;
  struct Done {
    WebhookSender::Shared& s;
    ~Done() { --s.in_flight; }
  } done{*s};
  HttpClient http(s->ioc.get_executor(), s->trust);
  HttpRequest req;
  req.method = "POST";
  req.url = t->url;
  req.body = std::move(body);
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Hyped-Highlight", key},        // lets a receiver drop a retried duplicate
                 {"X-Hyped-Started", s->started}};  // ids count again from 1 in another run of the server
  std::mt19937 rng(std::random_device{}());
  int failures = 0, limited = 0;
  for (;;) {
    HttpResponse res;

    res = co_await http.request(req);
    if (res.ok()) {
      ++s->metrics.webhook_ok;
      co_return;
    }
    std::chrono::milliseconds wait{0};
    if (res.error.empty() && res.status == 429 && limited < kMaxRateLimited) {
      // The receiver's own rate limit: wait as long as it asks (1 s when it does not say).
      wait = std::clamp(retry_after(res.body, res.header("Retry-After")).value_or(std::chrono::milliseconds(1000)),
                        std::chrono::milliseconds(0), std::chrono::milliseconds(60000));
      ++limited;
      spdlog::info("webhook {}: rate limited (429); retrying in {} ms", t->shown, wait.count());
    } else if (res.permanent) {
      ++s->metrics.webhook_failed;
      if (!std::exchange(t->said_permanent, true)) spdlog::error("webhook {}: {}", t->shown, res.describe());
      co_return;
    } else if (res.error.empty() && res.status < 500) {
      ++s->metrics.webhook_failed;  // 4xx: the receiver refuses it; retrying cannot help
      spdlog::warn("webhook {}: refused with HTTP {}", t->shown, res.status);
      co_return;
    } else if (++failures >= s->attempts) {
      ++s->metrics.webhook_failed;
      spdlog::warn("webhook {} failed for good: {}", t->shown, res.describe());
      co_return;
    } else {
      const auto base = s->backoff * (1 << std::min(failures - 1, 6));
      wait = base + std::chrono::milliseconds(std::uniform_int_distribution<long>(0, base.count() / 2)(rng));
      spdlog::debug("webhook {}: {}; retry in {} ms", t->shown, res.describe(), wait.count());
    }
    ++s->metrics.webhook_retries;
    co_await sleep_for(s->ioc, wait);
  }
}

}  // namespace

WebhookSender::WebhookSender(net::io_context& ioc, ServerMetrics& metrics, const ServerOptions& opt,
                             std::string server_started)
    : shared_(std::make_shared<Shared>(Shared{ioc, metrics, nullptr, std::move(server_started),
                                              std::max(1, opt.webhook_attempts), opt.webhook_backoff})) {
  for (const WebhookTarget& w : opt.webhooks) {
    const auto u = parse_url(w.url);
    if (!u) throw std::invalid_argument("webhook URL '" + w.url + "' must be an http:// or https:// URL");
    const auto format = parse_webhook_format(w.format);
    if (!format) throw std::invalid_argument("webhook format '" + w.format + "' must be hyped, discord or slack");
    const bool more = u->target.size() > 1;
    targets_.push_back(std::make_shared<Target>(Target{w.url, u->origin() + (more ? "/…" : "/"), *format}));
  }
  if (!targets_.empty()) shared_->trust = make_tls_trust(opt.webhook_ca_file);
}

WebhookSender::~WebhookSender() = default;

int WebhookSender::in_flight() const { return shared_->in_flight; }

void WebhookSender::deliver(const std::shared_ptr<Target>& t, std::string body, std::string key) {
  net::co_spawn(shared_->ioc, deliver_one(shared_, t, std::move(body), std::move(key)), net::detached);
}

void WebhookSender::post_highlight(const std::string& channel, const Highlight& h,
                                   const std::shared_ptr<const std::string>& msg) {
  const std::string key = channel + "/" + std::to_string(h.id);
  for (const auto& t : targets_) deliver(t, webhook_highlight_body(t->format, channel, h, *msg), key);
}

void WebhookSender::post_action(const ActionResult& r, const std::shared_ptr<const std::string>& msg) {
  const std::string key = r.channel + "/" + std::to_string(r.highlight_id) + "/" + to_string(r.kind);
  for (const auto& t : targets_) {
    std::string body = webhook_action_body(t->format, r, *msg);
    if (!body.empty()) deliver(t, std::move(body), key);
  }
}

}  // namespace hyped
