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
  // `spin`: the client threads poll instead of sleeping in epoll_wait. On loopback the sender pays for
  // waking a sleeping receiver; clients on other machines cost the server no such wake-up.
  FanoutClients(unsigned short port, int n, int threads = 1, bool spin = false) {
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
    for (auto& ioc : iocs_)
      threads_.emplace_back([this, &ioc = *ioc, spin] {
        if (!spin) return static_cast<void>(ioc.run());
        while (!stopping_) ioc.poll();
      });
  }
  ~FanoutClients() {
    stopping_ = true;
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
    std::size_t m = SIZE_MAX;
    for (auto& c : clients_) {
      std::lock_guard lock(c->mu);
      m = std::min(m, c->got.size());
    }
    return m;
  }
  // Every client's ids in arrival order.
  std::vector<std::vector<int>> ids() {
    std::vector<std::vector<int>> out;
    for (auto& c : clients_) {
      out.emplace_back();
      for (const auto& r : c->received()) out.back().push_back(r.id);
    }
    return out;
  }
  // Latency of every (client, highlight) pair when time_s carried the steady-clock publish time in seconds.
  std::vector<double> latencies_from_time_s_ms() {
    std::vector<double> out;
    for (auto& c : clients_)
      for (const auto& r : c->received())
        out.push_back(std::chrono::duration<double, std::milli>(r.at.time_since_epoch()).count() - r.time_s * 1000.0);
    return out;
  }
  // Latency of every (client, highlight) pair against the publish times.
  std::vector<double> latencies_ms(const std::map<int, Clock::time_point>& published) {
    std::vector<double> out;
    for (auto& c : clients_)
      for (const auto& r : c->received())
        if (auto it = published.find(r.id); it != published.end())
          out.push_back(std::chrono::duration<double, std::milli>(r.at - it->second).count());
    return out;
  }

 private:
  struct Received {
    int id;
    double time_s;  // the benchmark puts the publish time there
    Clock::time_point at;
  };
  struct Client {
    explicit Client(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buf;
    std::mutex mu;
    // Highlights as they arrived; parsed afterwards, so that parsing one client's message does not
    // delay the receipt time of the next client on the same thread.
    std::vector<std::pair<std::string, Clock::time_point>> got;
    std::vector<Received> received() {
      std::lock_guard lock(mu);
      std::vector<Received> out;
      for (const auto& [text, at] : got) {
        const auto j = nlohmann::json::parse(text);
        out.push_back({j["id"].get<int>(), j["time_s"].get<double>(), at});
      }
      return out;
    }
  };

  void read(Client& c) {
    c.ws.async_read(c.buf, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) return;
      const auto now = Clock::now();
      std::string text = beast::buffers_to_string(c.buf.data());
      c.buf.consume(c.buf.size());
      if (text.find(R"("type":"highlight")") != std::string::npos) {
        std::lock_guard lock(c.mu);
        c.got.emplace_back(std::move(text), now);
      }
      read(c);
    });
  }

  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::atomic<bool> stopping_{false};
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
