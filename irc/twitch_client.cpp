#include "irc/twitch_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "irc/irc_registration.hpp"
#include "irc/join_pacer.hpp"

namespace hyped {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxJoinLineBytes = 500;  // RFC 1459: 512 with CRLF
constexpr int kTwitchNickLen = 17;              // "justinfan" and 8 digits
constexpr int kMaxNickRetries = 5;              // anonymous nicks tried per connection after a refusal

std::shared_ptr<spdlog::logger> irc_log() {
  static std::shared_ptr<spdlog::logger> log = [] {
    auto l = spdlog::default_logger()->clone("irc");
    return l;
  }();
  return log;
}

std::chrono::nanoseconds seconds(double s) {
  return std::chrono::nanoseconds(static_cast<long long>(std::max(0.0, s) * 1e9));
}

}  // namespace

const char* to_string(IrcStatus::Kind k) {
  switch (k) {
    case IrcStatus::Kind::Connecting: return "connecting";
    case IrcStatus::Kind::Registered: return "registered";
    case IrcStatus::Kind::Joined: return "joined";
    case IrcStatus::Kind::CapsRefused: return "caps_refused";
    case IrcStatus::Kind::Disconnected: return "disconnected";
    case IrcStatus::Kind::Failed: return "failed";
  }
  return "?";
}

std::string normalize_channel(std::string_view name) {
  if (!name.empty() && name.front() == '#') name.remove_prefix(1);
  if (name.empty() || name.size() > 200) throw std::invalid_argument("bad channel name '" + std::string(name) + "'");
  std::string out;
  for (char c : name) {
    if (c == ' ' || c == ',' || c == '\a' || c == '\r' || c == '\n' || c == '\0' || c == ':')
      throw std::invalid_argument("bad channel name '" + std::string(name) + "'");
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

// One connection of a client, on the client's own thread (single-threaded io_context: no locks around
// the session): registration, its share of the channels, keepalive and reconnection. Every handler
// carries the generation of the socket it belongs to; a handler of an older socket returns at once.
class IrcConnection {
 public:
  IrcConnection(TwitchChatClient& owner, asio::io_context& ioc, ssl::context& ssl_ctx, const IrcClientOptions& opt,
                std::vector<std::string> channels, JoinPacer& pacer, std::mutex& stats_mutex, IrcClientStats& stats,
                std::string label)
      : owner_(owner),
        opt_(opt),
        channels_(std::move(channels)),
        label_(std::move(label)),
        ioc_(ioc),
        ssl_ctx_(ssl_ctx),
        resolver_(ioc_),
        watchdog_(ioc_),
        join_timer_(ioc_),
        reconnect_timer_(ioc_),
        pacer_(pacer),
        stats_mutex_(stats_mutex),
        stats_(stats),
        rng_(std::random_device{}()) {
    nick_ = opt_.nick.empty() ? anonymous_nick(kTwitchNickLen, static_cast<std::uint32_t>(rng_())) : opt_.nick;
  }

  void start() { connect(); }

  // Closes everything; the client's run() returns once every pending handler has finished.
  void shutdown() {
    stopping_ = true;
    ++gen_;
    close_socket();
    watchdog_.cancel();
    join_timer_.cancel();
    reconnect_timer_.cancel();
    resolver_.cancel();
  }

  const std::string& nick() const { return nick_; }
  std::size_t channel_count() const { return channels_.size(); }
  bool has_channel(const std::string& ch) const {
    return std::find(channels_.begin(), channels_.end(), ch) != channels_.end();
  }

  // A channel more: joined now when registered (paced), else with the others on registration.
  void add_channel(const std::string& ch) {
    channels_.push_back(ch);
    if (stage_ != Stage::Ready) return;
    pending_joins_.push_back(ch);
    pump_joins();
  }
  void remove_channel(const std::string& ch) {
    std::erase(channels_, ch);
    std::erase(pending_joins_, ch);
    if (joined_.erase(ch) == 0) return;
    send("PART #" + ch);
    bump([n = joined_.size()](auto& s) { s.joined = static_cast<int>(n); });
  }

 private:
  enum class Stage { Idle, Resolving, Connecting, Handshaking, Registering, Ready };

  void status(IrcStatus::Kind kind, std::string detail = {}) {
    if (owner_.on_status) owner_.on_status(IrcStatus{kind, std::move(detail)});
  }
  template <class F>
  void bump(F&& f) {
    std::lock_guard lock(stats_mutex_);
    f(stats_);
  }

  // ---- connection life cycle ----
  void connect() {
    if (stopping_) return;
    ++gen_;
    if (attempts_total_++ > 0) bump([](auto& s) { ++s.reconnects; });
    stage_ = Stage::Resolving;
    stage_since_ = Clock::now();
    cap_replies_ = 0;
    cap_end_sent_ = false;
    ping_sent_ = false;
    nick_retries_ = 0;
    joined_.clear();
    bump([](auto& s) { s.joined = 0; });
    status(IrcStatus::Kind::Connecting, opt_.host + ":" + std::to_string(opt_.port));
    arm_watchdog();
    const auto gen = gen_;
    resolver_.async_resolve(opt_.host, std::to_string(opt_.port), [this, gen](error_code ec, tcp::resolver::results_type r) {
      if (gen != gen_) return;
      if (ec) return fail("cannot resolve " + opt_.host + ": " + ec.message());
      on_resolved(r);
    });
  }

  void on_resolved(const tcp::resolver::results_type& results) {
    stage_ = Stage::Connecting;
    conn_ = std::make_shared<Conn>(ioc_);
    const auto gen = gen_;
    asio::async_connect(conn_->sock, results, [this, gen, c = conn_](error_code ec, const tcp::endpoint&) {
      if (gen != gen_) return;
      if (ec) return fail("cannot connect to " + opt_.host + ":" + std::to_string(opt_.port) + ": " + ec.message());
      error_code ignored;
      c->sock.set_option(tcp::no_delay(true), ignored);
      if (!opt_.tls) return on_transport_ready();
      stage_ = Stage::Handshaking;
      c->tls = std::make_unique<ssl::stream<tcp::socket&>>(c->sock, ssl_ctx_);
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), opt_.host.c_str()))
        return fail("cannot set TLS server name");
      c->tls->set_verify_callback(ssl::host_name_verification(opt_.host));
      c->tls->async_handshake(ssl::stream_base::client, [this, gen, c](error_code ec) {
        if (gen != gen_) return;
        if (ec) return fail("TLS handshake with " + opt_.host + " failed: " + ec.message());
        on_transport_ready();
      });
    });
  }

  void on_transport_ready() {
    stage_ = Stage::Registering;
    last_rx_ = Clock::now();
    // Twitch's capabilities first; a plain IRCv3 server refuses them and the server-time tag serves.
    send("CAP REQ :twitch.tv/tags twitch.tv/commands");
    send("CAP REQ :server-time");
    send("CAP REQ :message-tags");
    if (!opt_.token.empty()) send("PASS " + opt_.token);
    send("NICK " + nick_);
    send("USER " + nick_ + " 0 * :" + nick_);
    read();
  }

  void fail(const std::string& why) {
    if (stopping_) return;
    ++gen_;  // every pending handler of this connection is now stale
    close_socket();
    watchdog_.cancel();
    join_timer_.cancel();
    const bool was_ready = stage_ == Stage::Ready;
    stage_ = Stage::Idle;
    if (was_ready || why.starts_with("server asked")) attempt_ = 0;
    const double base = std::min(opt_.backoff_max_s, opt_.backoff_min_s * std::pow(2.0, attempt_));
    const double delay = why.starts_with("server asked") ? 0.05 : base * std::uniform_real_distribution<double>(0.5, 1.0)(rng_);
    ++attempt_;
    irc_log()->warn("{}chat connection lost ({}); reconnecting in {:.2f} s", label_, why, delay);
    status(IrcStatus::Kind::Disconnected, why);
    joined_.clear();
    bump([](auto& s) { s.joined = 0; });
    reconnect_timer_.expires_after(seconds(delay));
    reconnect_timer_.async_wait([this](error_code ec) {
      if (!ec) connect();
    });
  }

  // A refusal that reconnecting cannot fix (bad password, ban, a configured nick the server rejects):
  // close, tell the owner once, and stay down until stop().
  void give_up(const std::string& why) {
    if (stopping_) return;
    ++gen_;
    close_socket();
    watchdog_.cancel();
    join_timer_.cancel();
    reconnect_timer_.cancel();
    stage_ = Stage::Idle;
    joined_.clear();
    bump([](auto& s) { s.joined = 0; });
    status(IrcStatus::Kind::Failed, why);
  }

  void close_socket() {
    error_code ignored;
    resolver_.cancel();
    // The connection lives on in the handlers still pending on it (they hold its shared_ptr) until they
    // have run with operation_aborted: a TLS stream must outlive its operations.
    if (conn_) {
      conn_->sock.shutdown(tcp::socket::shutdown_both, ignored);
      conn_->sock.close(ignored);
    }
    conn_.reset();
  }

  // One timer watches every deadline: connection set-up, keepalive PING, and the reply to it.
  void arm_watchdog() {
    const auto gen = gen_;
    watchdog_.expires_after(std::chrono::milliseconds(250));
    watchdog_.async_wait([this, gen](error_code ec) {
      if (ec || gen != gen_) return;
      const auto now = Clock::now();
      if (stage_ != Stage::Ready && now - stage_since_ > seconds(opt_.connect_timeout_s))
        return fail("no welcome from the server within " + std::to_string(static_cast<int>(opt_.connect_timeout_s)) + " s");
      if (stage_ == Stage::Ready) {
        if (!ping_sent_ && now - last_rx_ > seconds(opt_.ping_interval_s)) {
          send("PING :hyped");
          ping_sent_ = true;
          ping_at_ = now;
        } else if (ping_sent_ && now - ping_at_ > seconds(opt_.ping_timeout_s)) {
          return fail("no reply to PING within " + std::to_string(opt_.ping_timeout_s).substr(0, 4) + " s");
        }
      }
      arm_watchdog();
    });
  }

  // ---- reading ----
  void read() {
    const std::shared_ptr<Conn> c = conn_;
    std::string& rbuf = c->rbuf;
    const std::size_t old = rbuf.size();
    rbuf.resize(old + kReadChunk);
    const auto gen = gen_;
    auto handler = [this, gen, old, c](error_code ec, std::size_t n) {
      if (gen != gen_) return;
      c->rbuf.resize(old + n);
      if (ec) return fail(ec == asio::error::eof || ec == ssl::error::stream_truncated ? "server closed the connection"
                                                                                      : "read: " + ec.message());
      last_rx_ = Clock::now();
      ping_sent_ = false;
      consume_lines();
      if (gen == gen_) read();
    };
    if (c->tls) c->tls->async_read_some(asio::buffer(rbuf.data() + old, kReadChunk), std::move(handler));
    else c->sock.async_read_some(asio::buffer(rbuf.data() + old, kReadChunk), std::move(handler));
  }

  void consume_lines() {
    std::string& rbuf_ = conn_->rbuf;
    std::size_t start = 0;
    const auto gen = gen_;
    for (;;) {
      const std::size_t nl = rbuf_.find('\n', start);
      if (nl == std::string::npos) break;
      handle_line(std::string_view(rbuf_).substr(start, nl - start));
      start = nl + 1;
      if (gen != gen_) return;  // the line ended the connection
    }
    rbuf_.erase(0, start);
    if (rbuf_.size() > 2 * kIrcMaxLineBytes) {  // a "line" without end: count it and drop it
      bump([](auto& s) { ++s.malformed; });
      if (owner_.on_malformed) owner_.on_malformed(std::string_view(rbuf_).substr(0, 200), IrcParseError::TooLong);
      rbuf_.clear();
    }
  }

  void handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    bump([](auto& s) { ++s.lines; });
    const IrcParseResult r = parse_irc_line(line);
    if (!r.ok()) {
      bump([](auto& s) { ++s.malformed; });
      if (owner_.on_malformed) owner_.on_malformed(line, r.error);
      return;
    }
    const IrcMessage& m = r.message;
    const std::string_view cmd = m.command;
    if (auto chat = interpret_chat_line(m)) {
      bump([](auto& s) { ++s.chat; });
      if (owner_.on_chat) owner_.on_chat(*chat, m);
      return;
    }
    if (cmd == "PING") {
      send("PONG :" + std::string(m.last_param()));
    } else if (cmd == "CAP") {
      on_cap(m);
    } else if (cmd == "001") {
      stage_ = Stage::Ready;
      attempt_ = 0;
      if (!m.param(0).empty()) nick_ = std::string(m.param(0));
      bump([](auto& s) { ++s.connects; });
      if (!cap_end_sent_) {
        send("CAP END");
        cap_end_sent_ = true;
      }
      status(IrcStatus::Kind::Registered, nick_);
      pending_joins_.assign(channels_.begin(), channels_.end());
      pump_joins();
    } else if (cmd == "JOIN") {
      if (m.nick() == nick_) {
        std::string_view chans = m.param(0);
        while (!chans.empty()) {
          const std::size_t comma = chans.find(',');
          std::string_view ch = chans.substr(0, comma);
          chans.remove_prefix(comma == std::string_view::npos ? chans.size() : comma + 1);
          if (ch.starts_with('#')) ch.remove_prefix(1);
          if (joined_.insert(std::string(ch)).second) {
            bump([n = joined_.size()](auto& s) { s.joined = static_cast<int>(n); });
            status(IrcStatus::Kind::Joined, std::string(ch));
          }
        }
      }
    } else if (cmd == "RECONNECT") {
      fail("server asked to reconnect");
    } else if (cmd == "NOTICE" && m.last_param().find("Login authentication failed") != std::string_view::npos) {
      give_up("login authentication failed (check the OAuth token and irc.nick)");
    } else if (cmd == "ERROR") {
      // A refused password before the welcome would be refused again: final. Anything else (a
      // throttled reconnect, a restart) may pass: reconnect.
      if (stage_ != Stage::Ready && names_refused_password(m.last_param()))
        give_up("the server refused the login: " + std::string(m.last_param()));
      else
        fail("server error: " + std::string(m.last_param()));
    } else if (cmd == "005") {
      // Comes after 001: it sizes the anonymous nicks of later registrations (reconnects).
      if (const auto n = isupport_nicklen(m)) server_nick_len_ = *n;
    } else if (stage_ != Stage::Ready) {
      on_registration_reply(m);
    }
  }

  // An error numeric before 001. A refused anonymous nick is replaced by a fresh one that fits the
  // server's nick length; anything else ends the client: reconnecting would be refused the same way.
  void on_registration_reply(const IrcMessage& m) {
    const RegistrationReply reply = classify_registration_reply(m);
    if (reply == RegistrationReply::Other) return;
    const std::string reason = std::string(m.last_param()) + " (" + std::string(m.command) + ")";
    if (reply == RegistrationReply::NickRefused) {
      if (!opt_.nick.empty()) return give_up("the server refused irc.nick '" + opt_.nick + "': " + reason);
      if (++nick_retries_ > kMaxNickRetries)
        return give_up("the server refused " + std::to_string(kMaxNickRetries + 1) + " anonymous nicks, the last '" +
                       nick_ + "': " + reason);
      const std::string refused = nick_;
      // 432 (erroneous): most likely too long: the server's NICKLEN, or RFC 2812's 9 before it has told
      // (ISUPPORT comes after 001). 433/436 (taken): the length was fine, another number will do.
      const int len = m.command == "432" ? server_nick_len_.value_or(kIrcDefaultNickLen)
                                         : std::min(server_nick_len_.value_or(kTwitchNickLen), static_cast<int>(refused.size()));
      nick_ = anonymous_nick(len, static_cast<std::uint32_t>(rng_()));
      irc_log()->info("{}the server refused nick '{}': {}; trying '{}'", label_, refused, reason, nick_);
      send("NICK " + nick_);
      return;
    }
    give_up("the server refused the login: " + reason);
  }

  void on_cap(const IrcMessage& m) {
    const std::string_view sub = m.param(1);
    if (sub != "ACK" && sub != "NAK") return;
    if (sub == "NAK") {
      irc_log()->info("server refused capabilities: {}", m.last_param());
      status(IrcStatus::Kind::CapsRefused, std::string(m.last_param()));
    }
    if (++cap_replies_ == 3 && !cap_end_sent_) {
      send("CAP END");
      cap_end_sent_ = true;
    }
  }

  // JOINs within the account's rate limit, shared by every connection of the client (JoinPacer).
  void pump_joins() {
    if (stage_ != Stage::Ready) return;
    const auto now = Clock::now();
    std::string line;
    auto flush = [&] {
      if (!line.empty()) send(std::move(line));
      line.clear();
    };
    while (!pending_joins_.empty() && pacer_.take(now)) {
      const std::string& ch = pending_joins_.front();
      if (!line.empty() && line.size() + ch.size() + 2 > kMaxJoinLineBytes) flush();
      line += line.empty() ? "JOIN #" : ",#";
      line += ch;
      pending_joins_.pop_front();
    }
    flush();
    if (pending_joins_.empty()) return;
    const auto gen = gen_;
    join_timer_.expires_at(pacer_.next_free(now));
    join_timer_.async_wait([this, gen](error_code ec) {
      if (!ec && gen == gen_) pump_joins();
    });
  }

  // ---- writing: a queue, one write in flight ----
  void send(std::string line) {
    if (!conn_) return;
    line += "\r\n";
    conn_->wq.push_back(std::move(line));
    if (!conn_->writing) write_next();
  }

  void write_next() {
    const std::shared_ptr<Conn> c = conn_;
    if (!c) return;
    if (c->wq.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    const auto gen = gen_;
    auto handler = [this, gen, c](error_code ec, std::size_t) {
      if (gen != gen_) return;
      if (ec) return fail("write: " + ec.message());
      c->wq.pop_front();
      write_next();
    };
    if (c->tls) asio::async_write(*c->tls, asio::buffer(c->wq.front()), std::move(handler));
    else asio::async_write(c->sock, asio::buffer(c->wq.front()), std::move(handler));
  }

  TwitchChatClient& owner_;
  IrcClientOptions opt_;
  std::vector<std::string> channels_;
  std::string label_;  // "chat connection 2/3: " when there are several; empty otherwise
  std::string nick_;

  asio::io_context& ioc_;
  ssl::context& ssl_ctx_;
  tcp::resolver resolver_;
  // One socket: its TLS stream, read buffer and write queue (one write in flight).
  struct Conn {
    explicit Conn(asio::io_context& ioc) : sock(ioc) {}
    tcp::socket sock;
    std::unique_ptr<ssl::stream<tcp::socket&>> tls;
    std::string rbuf;
    std::deque<std::string> wq;
    bool writing = false;
    ~Conn() { tls.reset(); }  // the stream refers to the socket: it goes first
  };
  std::shared_ptr<Conn> conn_;
  asio::steady_timer watchdog_;
  asio::steady_timer join_timer_;
  asio::steady_timer reconnect_timer_;
  JoinPacer& pacer_;

  std::uint64_t gen_ = 0;
  Stage stage_ = Stage::Idle;
  Clock::time_point stage_since_{}, last_rx_{}, ping_at_{};
  bool ping_sent_ = false;
  bool stopping_ = false;
  int attempt_ = 0;
  long long attempts_total_ = 0;
  int cap_replies_ = 0;
  bool cap_end_sent_ = false;
  int nick_retries_ = 0;
  std::optional<int> server_nick_len_;  // ISUPPORT NICKLEN, kept across reconnects
  std::deque<std::string> pending_joins_;
  std::unordered_set<std::string> joined_;
  std::mutex& stats_mutex_;  // the client's stats() is read from other threads
  IrcClientStats& stats_;    // this connection's share
  std::mt19937 rng_;
};

// The channels spread over connections of at most channels_per_connection each, all on one thread.
class TwitchChatClient::Impl {
 public:
  Impl(TwitchChatClient& owner, IrcClientOptions opt, std::vector<std::string> channels)
      : owner_(&owner),
        opt_(std::move(opt)),
        ssl_ctx_(ssl::context::tls_client),
        pacer_(opt_.join_limit, std::chrono::duration_cast<Clock::duration>(seconds(opt_.join_window_s))) {
    for (auto& c : channels) c = normalize_channel(c);
    if (opt_.nick.empty() && !opt_.token.empty())
      throw std::invalid_argument("an OAuth token needs the account's login as irc.nick");
    if (!opt_.token.empty() && !opt_.token.starts_with("oauth:")) opt_.token = "oauth:" + opt_.token;
    if (opt_.tls) {
      ssl_ctx_.set_default_verify_paths();
      if (!opt_.ca_file.empty()) ssl_ctx_.load_verify_file(opt_.ca_file);
      ssl_ctx_.set_verify_mode(ssl::verify_peer);
    }
    const std::size_t per = static_cast<std::size_t>(std::max(1, opt_.channels_per_connection));
    const std::size_t n = std::max<std::size_t>(1, (channels.size() + per - 1) / per);
    for (std::size_t i = 0; i < n; ++i) {
      const auto first = channels.begin() + static_cast<std::ptrdiff_t>(std::min(channels.size(), i * per));
      const auto last = channels.begin() + static_cast<std::ptrdiff_t>(std::min(channels.size(), (i + 1) * per));
      std::string label = n > 1 ? "chat connection " + std::to_string(i + 1) + "/" + std::to_string(n) + ": " : "";
      add_connection(std::vector<std::string>(first, last), std::move(label));
    }
    if (n > 1) irc_log()->info("{} channels over {} connections of at most {}", channels.size(), n, per);
  }

  // Posted to the client's thread, which owns the connections.
  void join(std::string channel) {
    asio::post(ioc_, [this, ch = std::move(channel)] {
      for (const auto& c : connections_)
        if (c->has_channel(ch)) return;
      const auto per = static_cast<std::size_t>(std::max(1, opt_.channels_per_connection));
      IrcConnection* least = nullptr;
      for (const auto& c : connections_)
        if (c->channel_count() < per && (!least || c->channel_count() < least->channel_count())) least = c.get();
      if (least) return least->add_channel(ch);
      IrcConnection& fresh = add_connection({ch}, "chat connection " + std::to_string(connections_.size() + 1) + ": ");
      irc_log()->info("{} chat connections: the others hold {} channels each", connections_.size(), per);
      if (started_) fresh.start();
    });
  }
  void part(std::string channel) {
    asio::post(ioc_, [this, ch = std::move(channel)] {
      for (const auto& c : connections_) c->remove_channel(ch);
    });
  }

  void start() {
    if (thread_.joinable()) return;
    asio::post(ioc_, [this] {
      started_ = true;
      for (auto& c : connections_) c->start();
    });
    guard_.emplace(asio::make_work_guard(ioc_));
    thread_ = std::thread([this] {
      try {
        ioc_.run();
      } catch (const std::exception& e) {
        irc_log()->error("chat client stopped: {}", e.what());
      }
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      for (auto& c : connections_) c->shutdown();
      guard_.reset();
    });
    thread_.join();
  }

  IrcClientStats stats() const {
    std::lock_guard lock(stats_mutex_);
    IrcClientStats sum;
    for (const IrcClientStats& s : stats_) {
      sum.lines += s.lines;
      sum.malformed += s.malformed;
      sum.chat += s.chat;
      sum.connects += s.connects;
      sum.reconnects += s.reconnects;
      sum.joined += s.joined;
    }
    sum.connections = static_cast<int>(stats_.size());
    return sum;
  }
  const std::string& nick() const { return connections_.front()->nick(); }

 private:
  IrcConnection& add_connection(std::vector<std::string> channels, std::string label) {
    IrcClientStats* slot = nullptr;
    {
      std::lock_guard lock(stats_mutex_);
      slot = &stats_.emplace_back();  // a deque: the other connections' slots stay where they are
    }
    connections_.push_back(std::make_unique<IrcConnection>(*owner_, ioc_, ssl_ctx_, opt_, std::move(channels), pacer_,
                                                           stats_mutex_, *slot, std::move(label)));
    return *connections_.back();
  }

  TwitchChatClient* owner_;
  bool started_ = false;  // the client's thread only
  IrcClientOptions opt_;
  asio::io_context ioc_;  // before the connections: their sockets and timers belong to it
  ssl::context ssl_ctx_;
  JoinPacer pacer_;
  mutable std::mutex stats_mutex_;
  std::deque<IrcClientStats> stats_;
  std::vector<std::unique_ptr<IrcConnection>> connections_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

TwitchChatClient::TwitchChatClient(IrcClientOptions options, std::vector<std::string> channels)
    : impl_(std::make_unique<Impl>(*this, std::move(options), std::move(channels))) {}
TwitchChatClient::~TwitchChatClient() { stop(); }
void TwitchChatClient::start() { impl_->start(); }
void TwitchChatClient::stop() { impl_->stop(); }
void TwitchChatClient::join(std::string_view channel) { impl_->join(normalize_channel(channel)); }
void TwitchChatClient::part(std::string_view channel) { impl_->part(normalize_channel(channel)); }
IrcClientStats TwitchChatClient::stats() const { return impl_->stats(); }
const std::string& TwitchChatClient::nick() const { return impl_->nick(); }

}  // namespace hyped
