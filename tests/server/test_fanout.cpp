#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fanout_clients.hpp"
#include "server/alert_server.hpp"

using namespace hyped;
using namespace std::chrono_literals;

namespace {

// Sanitizer builds run several times slower: the time bounds below stretch by this much there.
#if defined(HYPED_SANITIZED)
constexpr int kSlow = 10;
#else
constexpr int kSlow = 1;
#endif

Highlight numbered(int id) {
  Highlight h;
  h.id = id;
  h.time_s = id * 40.0;
  h.start_s = h.time_s - 20;
  h.end_s = h.time_s + 10;
  h.score = 3.5f;
  h.reasons = {"audio", "chat"};
  return h;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// A real loopback HTTP receiver for webhooks: `answer` sees each request (under the receiver's thread)
// and says the status to reply with. Stopped and joined when it goes out of scope.
class HookReceiver {
 public:
  using Request = test::http::request<test::http::string_body>;
  explicit HookReceiver(std::function<test::http::status(const Request&)> answer)
      : answer_(std::move(answer)), thread_([this] { run(); }) {}
  ~HookReceiver() {
    stop_ = true;
    test::tcp::socket poke(ioc_);
    boost::system::error_code ec;
    poke.connect(acc_.local_endpoint(), ec);  // wakes the blocked accept
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acc_.local_endpoint().port()) + "/hook"; }

 private:
  void run() {
    while (!stop_) {
      test::tcp::socket s(ioc_);
      boost::system::error_code ec;
      acc_.accept(s, ec);
      if (ec || stop_) break;
      test::beast::flat_buffer buf;
      Request req;
      test::http::read(s, buf, req, ec);
      if (ec) continue;
      test::http::response<test::http::string_body> res{answer_(req), 11};
      res.prepare_payload();
      test::http::write(s, res, ec);
    }
  }

  test::net::io_context ioc_;
  test::tcp::acceptor acc_{ioc_, {test::net::ip::make_address("127.0.0.1"), 0}};
  std::function<test::http::status(const Request&)> answer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("1,000 clients spread over io threads each receive every highlight, in order, while one never reads") {
  ServerOptions opt;
  opt.port = 0;
  opt.client_queue_limit = 64;
  opt.io_threads = 3;
  AlertServer server(opt);
  server.start();
  test::StalledClient stalled(server.port());
  test::FanoutClients clients(server.port(), 1000, 2);

  std::map<int, test::Clock::time_point> published;
  const int n = 20;
  for (int id = 1; id <= n; ++id) {
    published[id] = test::Clock::now();
    server.publish_highlight("chan", numbered(id));
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(clients.wait_for(n, 20s * kSlow));
  std::vector<int> expected(n);
  std::iota(expected.begin(), expected.end(), 1);
  for (const auto& ids : clients.ids()) CHECK(ids == expected);
  const auto lat = clients.latencies_ms(published);
  CHECK(lat.size() == 1000u * n);
  std::printf("fan-out to 1000 clients with a stalled one: p50 %.2f ms, p99 %.2f ms\n", percentile(lat, 0.5),
              percentile(lat, 0.99));
  CHECK(percentile(lat, 0.99) < 1000.0 * kSlow);  // nobody waits on the stalled client
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_clients 1001\n") != std::string::npos);  // counted across every io thread
  CHECK(metrics.find("hyped_alerts_total{channel=\"chan\"} 20\n") != std::string::npos);
}

TEST_CASE("a client that never reads loses its queue and is disconnected; the others get everything") {
  ServerOptions opt;
  opt.port = 0;
  opt.client_queue_limit = 256;
  opt.io_threads = 1;
  AlertServer server(opt);
  server.start();
  test::StalledClient stalled(server.port());
  test::FanoutClients clients(server.port(), 20);
  const int n = 1500;  // far more than the stalled client's queue and socket buffers hold
  for (int id = 1; id <= n; ++id) {
    server.publish_highlight("chan", numbered(id));
    // Paced so that reading clients keep up (a sanitizer build reads slower): only the stalled one falls behind.
    if (id % 5 == 0) std::this_thread::sleep_for(5ms * kSlow);
  }
  REQUIRE(clients.wait_for(n, 30s * kSlow));
  for (const auto& ids : clients.ids()) CHECK(ids.size() == static_cast<std::size_t>(n));
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_slow_client_disconnects_total 1\n") != std::string::npos);
  CHECK(metrics.find("hyped_clients 20\n") != std::string::npos);
}

TEST_CASE("the webhook receiver gets each highlight once, after retries on server errors") {
  // Fails each highlight's first delivery with 503.
  std::mutex mu;
  std::multiset<std::string> accepted;
  std::set<std::string> failed_once;
  std::set<std::string> started;  // X-Hyped-Started: one value for the whole run
  int requests = 0;
  HookReceiver receiver([&](const HookReceiver::Request& req) {
    const auto body = nlohmann::json::parse(req.body());
    const std::string key = std::string(req["X-Hyped-Highlight"]);
    std::lock_guard lock(mu);
    ++requests;
    CHECK(key == "chan/" + std::to_string(body["id"].get<int>()));
    started.insert(std::string(req["X-Hyped-Started"]));
    if (failed_once.insert(key).second) return test::http::status::service_unavailable;
    accepted.insert(key);
    return test::http::status::ok;
  });

  ServerOptions opt;
  opt.port = 0;
  opt.webhooks = {receiver.url()};
  opt.webhook_backoff = 20ms;
  AlertServer server(opt);
  server.start();
  for (int id = 1; id <= 3; ++id) server.publish_highlight("chan", numbered(id));
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard lock(mu);
      if (accepted.size() >= 3) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);  // time for any duplicate to show up
  {
    std::lock_guard lock(mu);
    CHECK(accepted == std::multiset<std::string>{"chan/1", "chan/2", "chan/3"});
    CHECK(requests == 6);
    REQUIRE(started.size() == 1);
    CHECK(started.begin()->size() == 24);  // 2026-12-01T08:30:00.000Z
  }
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_webhook_deliveries_total{result=\"ok\"} 3\n") != std::string::npos);
  CHECK(metrics.find("hyped_webhook_deliveries_total{result=\"retry\"} 3\n") != std::string::npos);
  server.stop();
}

TEST_CASE("webhooks receive each highlight once, as it fires, and never its revisions") {
  // Accepts everything and keeps what it was sent.
  std::mutex mu;
  std::vector<nlohmann::json> bodies;
  HookReceiver receiver([&](const HookReceiver::Request& req) {
    std::lock_guard lock(mu);
    bodies.push_back(nlohmann::json::parse(req.body()));
    return test::http::status::ok;
  });

  ServerOptions opt;
  opt.port = 0;
  opt.webhooks = {receiver.url()};
  AlertServer server(opt);
  server.start();
  test::WsClient client(server.port());
  server.publish_highlight("chan", numbered(1));
  Highlight revised = numbered(1);
  revised.revision = 1;
  revised.score = 7.0f;
  server.publish_highlight("chan", revised);
  server.publish_highlight("chan", numbered(2));
  revised.revision = 2;
  revised.score = 9.0f;
  server.publish_highlight("chan", revised);
  // The websocket client hears all four; by the last, every webhook has been queued behind it.
  for (int want_revision : {0, 1, 0, 2}) CHECK(client.read_json()["revision"] == want_revision);
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard lock(mu);
      if (bodies.size() >= 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(200ms);  // time for a revision's delivery to show up, were one sent
  {
    std::lock_guard lock(mu);
    REQUIRE(bodies.size() == 2);
    std::set<int> ids;
    for (const auto& b : bodies) {
      CHECK(b["revision"] == 0);
      CHECK(b["score"] == 3.5);
      ids.insert(b["id"].get<int>());
    }
    CHECK(ids == std::set<int>{1, 2});
  }
  const std::string metrics = test::http_get(server.port(), "/metrics").body;
  CHECK(metrics.find("hyped_webhook_deliveries_total{result=\"ok\"} 2\n") != std::string::npos);
  server.stop();
}
