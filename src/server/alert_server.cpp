#include "server/alert_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <future>
#include <stdexcept>

#include "server/webhook_sender.hpp"
#include "server/ws_session.hpp"

namespace hyped {

void parse_listen_address(const std::string& s, ServerOptions& out) {
  const auto colon = s.rfind(':');
  const std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
  const std::string port = colon == std::string::npos ? s : s.substr(colon + 1);
  int p = -1;
  try {
    std::size_t used = 0;
    p = std::stoi(port, &used);
    if (used != port.size()) p = -1;
  } catch (const std::exception&) {
  }
  if (p < 0 || p > 65535) throw std::invalid_argument("--serve expects ADDR:PORT, not '" + s + "'");
  if (!host.empty()) out.address = host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  out.port = static_cast<unsigned short>(p);
}

AlertServer::Impl::Impl(ServerOptions o) : opt(std::move(o)) {
  webhooks = std::make_unique<WebhookSender>(ioc, metrics, opt);
}

AlertServer::Impl::~Impl() = default;

void AlertServer::Impl::do_accept() {
  // One thread runs the io_context: sessions need no strands.
  acceptor.async_accept(ioc, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec) start_http_session(self, std::move(socket));
    else spdlog::warn("accept: {}", ec.message());  // e.g. out of file descriptors: keep serving the rest
    self->do_accept();
  });
}

void AlertServer::Impl::join(const std::shared_ptr<WsSession>& s) {
  if (finishing) return s->close_after_queue(websocket::close_code::going_away, "server is shutting down");
  clients.insert(s);
  ++metrics.clients_total;
  metrics.clients = static_cast<long long>(clients.size());
  // Tells the client it is now on the fan-out list: everything published from here on reaches it.
  s->send_control(std::make_shared<const std::string>(R"({"type":"hello","server":"hyped","backend":")" + backend + "\"}"));
}

void AlertServer::Impl::leave(const std::shared_ptr<WsSession>& s) {
  clients.erase(s);
  metrics.clients = static_cast<long long>(clients.size());
}

void AlertServer::Impl::broadcast_highlight(const std::string& channel, const std::shared_ptr<const std::string>& msg,
                                            double score) {
  // Copy: a send may disconnect a slow client, which erases it from `clients`.
  const std::vector<std::shared_ptr<WsSession>> now(clients.begin(), clients.end());
  for (const auto& c : now) c->send_highlight(channel, msg, score);
}

void AlertServer::Impl::broadcast_score(const std::string& channel, const std::shared_ptr<const std::string>& msg) {
  const std::vector<std::shared_ptr<WsSession>> now(clients.begin(), clients.end());
  for (const auto& c : now) c->send_score(channel, msg);
}

AlertServer::AlertServer(ServerOptions opt) : impl_(std::make_shared<Impl>(std::move(opt))) {}

AlertServer::~AlertServer() { stop(); }

void AlertServer::start() {
  Impl& s = *impl_;
  // Many clients need many descriptors: take the hard limit.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  beast::error_code ec;
  const auto addr = net::ip::make_address(s.opt.address, ec);
  if (ec) throw std::runtime_error("cannot serve on '" + s.opt.address + "': not an IP address");
  const tcp::endpoint ep(addr, s.opt.port);
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot serve on " + s.opt.address + ":" + std::to_string(s.opt.port) + ": " + ec.message());
  if (s.opt.token.empty() && !addr.is_loopback())
    spdlog::warn("serving on {} without a token: anyone who can reach it can read the alerts", s.opt.address);
  spdlog::info("serving alerts on http://{}:{}/ (websocket /ws, overlay /overlay)", s.opt.address, port());
  s.do_accept();
  s.thread = std::thread([impl = impl_] {
    impl->ioc.run();
  });
}

unsigned short AlertServer::port() const {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void AlertServer::publish_highlight(const std::string& channel, const Highlight& h, std::chrono::system_clock::time_point wall) {
  auto msg = std::make_shared<const std::string>(highlight_message(channel, h, wall));
  net::post(impl_->ioc, [impl = impl_, channel, h, wall, msg] {
    ++impl->metrics.alerts[channel];
    impl->history.push_back({channel, h, wall});
    while (impl->history.size() > impl->opt.history_limit) impl->history.pop_front();
    impl->broadcast_highlight(channel, msg, h.score);
    impl->webhooks->post(msg, channel + "/" + std::to_string(h.id));
  });
}

void AlertServer::publish_score(const std::string& channel, double time_s, const HopFeatures& f) {
  auto msg = std::make_shared<const std::string>(score_message(channel, time_s, f));
  net::post(impl_->ioc, [impl = impl_, channel, msg] { impl->broadcast_score(channel, msg); });
}

void AlertServer::set_backend(const std::string& name) {
  net::post(impl_->ioc, [impl = impl_, name] { impl->backend = name; });
}

void AlertServer::set_channel_status(const ChannelStatus& st) {
  net::post(impl_->ioc, [impl = impl_, st] {
    impl->channels[st.name] = st;
    impl->metrics.ingest_lag_s[st.name] = st.ingest_lag_s;
  });
}

void AlertServer::observe_tick(double latency_ms) {
  net::post(impl_->ioc, [impl = impl_, latency_ms] { impl->metrics.observe_tick(latency_ms); });
}

void AlertServer::count_ingest_drops(long long n) {
  net::post(impl_->ioc, [impl = impl_, n] { impl->metrics.detector_drops += n; });
}

void AlertServer::finish(const std::string& reason, std::chrono::milliseconds grace) {
  if (!impl_->thread.joinable()) return;
  std::promise<void> closed;
  net::post(impl_->ioc, [impl = impl_, reason, &closed] {
    impl->finishing = true;
    auto end = std::make_shared<const std::string>(R"({"type":"end","reason":")" + reason + "\"}");
    for (const auto& c : std::vector<std::shared_ptr<WsSession>>(impl->clients.begin(), impl->clients.end())) {
      c->send_control(end);
      c->close_after_queue(websocket::close_code::normal, reason);
    }
    closed.set_value();
  });
  closed.get_future().wait();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    std::promise<bool> idle;
    net::post(impl_->ioc, [impl = impl_, &idle] { idle.set_value(impl->clients.empty() && impl->webhooks->in_flight() == 0); });
    if (idle.get_future().get() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
}

void AlertServer::stop() {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->ioc, [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    // Closed sockets, not an abandoned loop: clients see the connection end instead of waiting on it.
    for (const auto& c : std::vector<std::shared_ptr<WsSession>>(impl->clients.begin(), impl->clients.end())) c->abort();
    net::post(impl->ioc, [impl] { impl->ioc.stop(); });  // after the aborted operations have completed
  });
  impl_->thread.join();
}

}  // namespace hyped
