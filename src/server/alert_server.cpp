#include "server/alert_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
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

unsigned io_thread_count(const ServerOptions& opt) {
  if (opt.io_threads > 0) return opt.io_threads;
  return std::clamp(std::thread::hardware_concurrency() / 2, 1u, 8u);
}

namespace {
std::vector<std::unique_ptr<ServerShard>> make_shards(unsigned n) {
  std::vector<std::unique_ptr<ServerShard>> out;
  for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<ServerShard>());
  return out;
}
}  // namespace

AlertServer::Impl::Impl(ServerOptions o)
    : opt(std::move(o)), shards(make_shards(io_thread_count(opt))), acceptor(hub()) {
  webhooks = std::make_unique<WebhookSender>(hub(), metrics, opt, started_text);
}

AlertServer::Impl::~Impl() = default;

void AlertServer::Impl::do_accept() {
  // Round robin: each connection lives on one shard from its first byte on.
  ServerShard& shard = *shards[next_shard++ % shards.size()];
  acceptor.async_accept(shard.ioc, [self = shared_from_this(), &shard](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
    if (!ec)
      net::post(shard.ioc, [self, &shard, socket = std::move(socket)]() mutable {
        start_http_session(self, shard, std::move(socket));
      });
    else
      spdlog::warn("accept: {}", ec.message());  // e.g. out of file descriptors: keep serving the rest
    self->do_accept();
  });
}

Backlog AlertServer::Impl::join(ServerShard& shard, const std::shared_ptr<WsSession>& s,
                                const std::map<std::string, long long>& resume) {
  Backlog backlog;
  if (finishing) {
    s->close_after_queue(websocket::close_code::going_away, "server is shutting down");
    return backlog;
  }
  shard.clients.insert(s);
  ++metrics.clients_total;
  ++metrics.clients;
  std::string backend_name;
  {
    // A highlight enters the history under this lock before its fan-out is posted to the shards, and
    // this runs on the shard's thread: one kept by now is in the backlog (its fan-out, still queued
    // behind us, is recognised by its id), one kept later reaches the client through the fan-out.
    std::lock_guard lock(state_mu);
    backend_name = backend;
    if (!resume.empty()) {
      std::map<std::string, long long> oldest_kept;
      long long missed = 0;
      for (const StoredHighlight& h : history) {
        const auto it = resume.find(h.channel);
        if (it == resume.end()) continue;
        oldest_kept.try_emplace(h.channel, h.highlight.id);
        if (h.highlight.id >= it->second) backlog.up_to[h.channel] = h.highlight.id;
        if (h.highlight.id > it->second) ++missed;
      }
      for (const auto& [channel, oldest] : oldest_kept)
        backlog.unavailable += std::max(0LL, oldest - resume.at(channel) - 1);
      // Leave room in the client's bounded queue for what is published meanwhile (the API has the
      // rest), and copy no more than that while the detector may be waiting for the lock.
      const auto room = static_cast<long long>(std::max<std::size_t>(1, opt.client_queue_limit / 2));
      backlog.unavailable += std::max(0LL, missed - room);
      for (auto h = history.rbegin(); h != history.rend() && static_cast<long long>(backlog.missed.size()) < room; ++h)
        if (const auto it = resume.find(h->channel); it != resume.end() && h->highlight.id > it->second)
          backlog.missed.push_back(*h);
      std::reverse(backlog.missed.begin(), backlog.missed.end());
    }
  }
  // Tells the client it is now on the fan-out list: everything published from here on reaches it.
  s->send_control(std::make_shared<const std::string>(hello_message(backend_name, started_text)));
  return backlog;
}

std::vector<std::string> AlertServer::Impl::unknown_channels(const Subscription& sub) {
  std::vector<std::string> unknown;
  if (sub.every_channel()) return unknown;
  std::lock_guard lock(state_mu);
  for (const std::string& c : sub.channels)
    if (seen_channels.count(c) == 0) unknown.push_back(c);
  return unknown;
}

void AlertServer::Impl::leave(ServerShard& shard, const std::shared_ptr<WsSession>& s) {
  if (shard.clients.erase(s) > 0) --metrics.clients;
}

void AlertServer::Impl::broadcast_highlight(ServerShard& shard, const std::string& channel,
                                            const std::shared_ptr<const std::string>& msg, double score, long long id,
                                            int revision) {
  // Copy: a send may disconnect a slow client, which erases it from `clients`.
  const std::vector<std::shared_ptr<WsSession>> now(shard.clients.begin(), shard.clients.end());
  for (const auto& c : now) c->send_highlight(channel, msg, score, id, revision);
}

void AlertServer::Impl::broadcast_score(ServerShard& shard, const std::string& channel,
                                        const std::shared_ptr<const std::string>& msg) {
  const std::vector<std::shared_ptr<WsSession>> now(shard.clients.begin(), shard.clients.end());
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
  spdlog::info("serving alerts on http://{}:{}/ (websocket /ws, overlay /overlay; {} io thread{})", s.opt.address, port(),
               s.shards.size(), s.shards.size() == 1 ? "" : "s");
  s.do_accept();
  for (auto& sh : s.shards) sh->thread = std::thread([impl = impl_, &ioc = sh->ioc] { ioc.run(); });
  s.started = true;
}

unsigned short AlertServer::port() const {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void AlertServer::publish_highlight(const std::string& channel, const Highlight& h, std::chrono::system_clock::time_point wall) {
  impl_->publish_highlight(channel, h, wall, true);
}

void AlertServer::restore_highlight(const std::string& channel, const Highlight& h, std::chrono::system_clock::time_point wall) {
  impl_->publish_highlight(channel, h, wall, false);
}

void AlertServer::publish_action(const ActionResult& r) { impl_->publish_action(r, true); }

void AlertServer::restore_action(const ActionResult& r) { impl_->publish_action(r, false); }

void AlertServer::Impl::publish_highlight(const std::string& channel, const Highlight& h, WallClock::time_point wall,
                                          bool news) {
  Impl& s = *this;
  auto msg = std::make_shared<const std::string>(highlight_message(channel, h, wall));
  {
    // Before any client hears of it, so a client that asks /api/highlights next finds it there.
    std::lock_guard lock(s.state_mu);
    s.seen_channels.insert(channel);
    // A revision replaces its highlight in the history; it is news to clients, not a new alert.
    auto same = std::find_if(s.history.rbegin(), s.history.rend(),
                             [&](const auto& e) { return h.revision > 0 && e.channel == channel && e.highlight.id == h.id; });
    if (same != s.history.rend()) {
      same->highlight = h;
      same->wall = wall;
    } else {
      // A revision whose highlight has left the history is kept as it is, but it is no new alert.
      if (h.revision == 0 && news) ++s.metrics.alerts[channel];
      s.history.push_back({channel, h, wall, {}});
      while (s.history.size() > s.opt.history_limit) s.history.pop_front();
    }
  }
  const double score = h.score;
  const long long id = h.id;
  const int revision = h.revision;
  s.on_every_shard([channel, msg, score, id, revision](Impl& impl, ServerShard& shard) {
    impl.broadcast_highlight(shard, channel, msg, score, id, revision);
  });
  if (news && s.webhooks->enabled() && h.revision == 0 && !s.stopped)  // a receiver hears of each highlight once, as it fires
    net::post(s.hub(), [impl = shared_from_this(), msg, channel, h] { impl->webhooks->post_highlight(channel, h, msg); });
}

void AlertServer::Impl::publish_action(const ActionResult& r, bool news) {
  Impl& s = *this;
  auto msg = std::make_shared<const std::string>(action_message(r));
  {
    std::lock_guard lock(s.state_mu);
    s.seen_channels.insert(r.channel);
    auto h = std::find_if(s.history.rbegin(), s.history.rend(),
                          [&](const auto& e) { return e.channel == r.channel && e.highlight.id == r.highlight_id; });
    if (h != s.history.rend()) h->actions.push_back(*msg);
    if (news) ++(r.ok ? s.metrics.actions_ok : s.metrics.actions_failed)[to_string(r.kind)];
  }
  if (news && s.webhooks->enabled() && !s.stopped)
    net::post(s.hub(), [impl = shared_from_this(), msg, r] { impl->webhooks->post_action(r, msg); });
  const std::string channel = r.channel;
  s.on_every_shard([channel, msg](Impl&, ServerShard& shard) {
    const std::vector<std::shared_ptr<WsSession>> now(shard.clients.begin(), shard.clients.end());
    for (const auto& c : now) c->send_action(channel, msg);
  });
}

void AlertServer::publish_score(const std::string& channel, double time_s, const HopFeatures& f) {
  auto msg = std::make_shared<const std::string>(score_message(channel, time_s, f));
  impl_->on_every_shard([channel, msg](Impl& impl, ServerShard& shard) { impl.broadcast_score(shard, channel, msg); });
}

void AlertServer::set_backend(const std::string& name) {
  std::lock_guard lock(impl_->state_mu);
  impl_->backend = name;
}

void AlertServer::set_channel_status(const ChannelStatus& st) {
  std::lock_guard lock(impl_->state_mu);
  impl_->channels[st.name] = st;
  impl_->seen_channels.insert(st.name);
  impl_->metrics.ingest_lag_s[st.name] = st.ingest_lag_s;
}

void AlertServer::set_followed(const std::string& channel, bool followed) {
  std::lock_guard lock(impl_->state_mu);
  if (followed) {
    impl_->followed.insert(channel);
  } else {
    impl_->followed.erase(channel);
    impl_->channels.erase(channel);
    impl_->metrics.ingest_lag_s.erase(channel);
  }
  impl_->metrics.followed = static_cast<long long>(impl_->followed.size());
}

void AlertServer::set_discovery(const DiscoveryStatus& d) {
  std::lock_guard lock(impl_->state_mu);
  impl_->discovery = d;
  impl_->metrics.discovery = d;
}

void AlertServer::observe_tick(double latency_ms) {
  std::lock_guard lock(impl_->state_mu);
  impl_->metrics.observe_tick(latency_ms);
}

void AlertServer::count_ingest_drops(long long n) { impl_->metrics.detector_drops += n; }

void AlertServer::finish(const std::string& reason, std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (!s.started) return;
  // Sessions that finish their handshake from here on are turned away by join().
  s.finishing = true;
  auto end = std::make_shared<const std::string>(R"({"type":"end","reason":")" + reason + "\"}");
  s.on_every_shard([end, reason](Impl&, ServerShard& shard) {
    for (const auto& c : std::vector<std::shared_ptr<WsSession>>(shard.clients.begin(), shard.clients.end())) {
      c->send_control(end);
      c->close_after_queue(websocket::close_code::normal, reason);
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    std::promise<bool> webhooks_idle;
    net::post(s.hub(), [impl = impl_, &webhooks_idle] { webhooks_idle.set_value(impl->webhooks->in_flight() == 0); });
    const bool idle = webhooks_idle.get_future().get() && s.metrics.clients == 0;
    if (idle || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
}

void AlertServer::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  if (s.started) {
    s.started = false;
    net::post(s.hub(), [impl = impl_] {
      beast::error_code ec;
      impl->acceptor.close(ec);
    });
    s.on_every_shard([](Impl&, ServerShard& shard) {
      // Closed sockets, not an abandoned loop: clients see the connection end instead of waiting on it.
      for (const auto& c : std::vector<std::shared_ptr<WsSession>>(shard.clients.begin(), shard.clients.end())) c->abort();
      net::post(shard.ioc, [&shard] { shard.ioc.stop(); });  // after the aborted operations have completed
    });
  }
  s.stopped = true;
  for (auto& sh : s.shards)
    if (sh->thread.joinable()) sh->thread.join();
  // What is still pending (an HTTP keep-alive read, a handshake or a webhook in flight, or what was
  // published to a server never started) is dropped unrun, freeing the sessions its handlers hold.
  // A stopped server cannot be started again.
  // A session that joined after its shard aborted the others is still on the fan-out list.
  for (auto& sh : s.shards) {
    sh->ioc.shutdown();
    sh->clients.clear();
  }
}

}  // namespace hyped
