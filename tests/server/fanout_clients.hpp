// Many real websocket clients on one or more io threads, recording when each highlight id reached each
// client.
// Used by the fan-out tests and by tools/bench_fanout.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ws_test_client.hpp"

namespace test {

using Clock = std::chrono::steady_clock;

class FanoutClients {
 public:
  FanoutClients(unsigned short port, int n, int threads = 1) {
    for (int t = 0; t < std::max(1, threads); ++t) iocs_.push_back(std::make_unique<net::io_context>(1));
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<Client>(*iocs_[static_cast<std::size_t>(i) % iocs_.size()]);
      c->ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
      c->ws.handshake("127.0.0.1", "/ws");
      beast::flat_buffer hello;
      c->ws.read(hello);  // on the fan-out list from here on
      clients_.push_back(std::move(c));
    }
    for (auto& c : clients_) read(*c);
    for (auto& ioc : iocs_) threads_.emplace_back([&ioc = *ioc] { ioc.run(); });
  }
  ~FanoutClients() {
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads_) t.join();
  }

  // Waits until every client holds `count` highlights; false on timeout.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      if (min_received() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::size_t min_received() {
    std::lock_guard lock(mu_);
    std::size_t m = SIZE_MAX;
    for (auto& c : clients_) m = std::min(m, c->got.size());
    return m;
  }
  // Every client's ids in arrival order.
  std::vector<std::vector<int>> ids() {
    std::lock_guard lock(mu_);
    std::vector<std::vector<int>> out;
    for (auto& c : clients_) {
      out.emplace_back();
      for (auto& [id, t] : c->got) out.back().push_back(id);
    }
    return out;
  }
  // Latency of every (client, highlight) pair when time_s carried the steady-clock publish time in seconds.
  std::vector<double> latencies_from_time_s_ms() {
    std::lock_guard lock(mu_);
    std::vector<double> out;
    for (auto& c : clients_)
      for (std::size_t i = 0; i < c->got.size(); ++i)
        out.push_back(std::chrono::duration<double, std::milli>(c->got[i].second.time_since_epoch()).count() -
                      c->sent_s[i] * 1000.0);
    return out;
  }
  // Latency of every (client, highlight) pair against the publish times.
  std::vector<double> latencies_ms(const std::map<int, Clock::time_point>& published) {
    std::lock_guard lock(mu_);
    std::vector<double> out;
    for (auto& c : clients_)
      for (auto& [id, t] : c->got)
        if (auto it = published.find(id); it != published.end())
          out.push_back(std::chrono::duration<double, std::milli>(t - it->second).count());
    return out;
  }

 private:
  struct Client {
    explicit Client(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buf;
    std::vector<std::pair<int, Clock::time_point>> got;
    std::vector<double> sent_s;  // each message's time_s (the benchmark puts the publish time there)
  };

  void read(Client& c) {
    c.ws.async_read(c.buf, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) return;
      const auto now = Clock::now();
      const auto j = nlohmann::json::parse(beast::buffers_to_string(c.buf.data()), nullptr, false);
      c.buf.consume(c.buf.size());
      if (j.is_object() && j.value("type", "") == "highlight") {
        std::lock_guard lock(mu_);
        c.got.emplace_back(j["id"].get<int>(), now);
        c.sent_s.push_back(j["time_s"].get<double>());
      }
      read(c);
    });
  }

  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// A client that completes the handshake and then never reads: the worst subscriber there is.
struct StalledClient {
  explicit StalledClient(unsigned short port) : ws(ioc) {
    ws.next_layer().open(tcp::v4());
    ws.next_layer().set_option(net::socket_base::receive_buffer_size(4096));
    ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1", "/ws");
  }
  net::io_context ioc;
  websocket::stream<tcp::socket> ws;
};

}  // namespace test
