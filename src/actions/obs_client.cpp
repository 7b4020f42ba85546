#include "actions/obs_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>

#include "actions/obs_protocol.hpp"

namespace hyped {

// Results of co_await are assigned to locals declared beforehand, never used to initialise them: GCC 12
// mis-destroys such locals in some coroutines (double free).
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct WsEndpoint {
  std::string host, port, target;
};

WsEndpoint parse_ws_url(const std::string& url) {
  const std::string scheme = "ws://";
  if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("OBS url '" + url + "' must start with ws://");
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  WsEndpoint e;
  e.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  e.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  e.port = colon == std::string::npos ? "4455" : authority.substr(colon + 1);
  if (e.host.empty() || e.port.empty()) throw std::invalid_argument("OBS url '" + url + "' has no host");
  return e;
}

// One websocket connection to OBS and its write queue (one write in flight).
struct Connection {
  explicit Connection(const asio::any_io_executor& ex) : ws(ex) {}
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::string> out;
  bool writing = false;
};

}  // namespace

struct ObsClient::Impl : std::enable_shared_from_this<ObsClient::Impl> {
  Impl(asio::any_io_executor e, ObsActionOptions o) : ex(std::move(e)), opt(std::move(o)), ep(parse_ws_url(opt.url)) {}

  asio::any_io_executor ex;
  ObsActionOptions opt;
  WsEndpoint ep;
  bool stopped = false;
  std::string fatal;
  std::shared_ptr<Connection> conn;  // set while identified
  long long next_id = 1;

  struct Pending {
    std::optional<ObsMessage> response;
    asio::steady_timer* wake;
  };
  std::map<std::string, Pending*> pending;
  bool awaiting_save = false;
  std::optional<std::string> saved_path;
  asio::steady_timer* save_wake = nullptr;
  bool chapter_supported = false, chapter_said = false;
  long long tickets = 0, serving = 0;
  std::optional<asio::steady_timer> backoff_timer;

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t(ex);
    t.expires_after(d);
    co_await t.async_wait(kTuple);
  }

  void send(std::string text) {
    const std::shared_ptr<Connection> c = conn;
    if (!c) return;
    c->out.push_back(std::move(text));
    if (!c->writing) {
      c->writing = true;
      asio::co_spawn(ex, write_loop(c), asio::detached);
    }
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<Connection> c) {
    while (!c->out.empty()) {
      auto [ec, n] = co_await c->ws.async_write(asio::buffer(c->out.front()), kTuple);
      if (ec) break;  // the read loop sees the connection end
      c->out.pop_front();
    }
    c->writing = false;
  }

  // nullopt when OBS is away or does not answer within the request timeout.
  asio::awaitable<std::optional<ObsMessage>> request(std::string type, std::string data_json) {
    if (!conn) co_return std::nullopt;
    const std::string id = "hyped-" + std::to_string(next_id++);
    asio::steady_timer wake(ex);
    wake.expires_after(opt.request_timeout);
    Pending p{std::nullopt, &wake};
    pending[id] = &p;
    send(obs_request_message(type, id, data_json));
    co_await wake.async_wait(kTuple);
    pending.erase(id);
    co_return p.response;
  }

  void on_message(const ObsMessage& m) {
    if (m.op == ObsMessage::Op::RequestResponse) {
      if (const auto it = pending.find(m.request_id); it != pending.end()) {
        it->second->response = m;
        it->second->wake->cancel();
      }
    } else if (m.op == ObsMessage::Op::Event && m.event_type == "ReplayBufferSaved") {
      if (!awaiting_save) {
        spdlog::info("obs: a replay was saved outside hyped: {}", m.saved_replay_path);
        return;
      }
      saved_path = m.saved_replay_path;
      if (save_wake) save_wake->cancel();
    }
  }

  // Wakes every waiter: their answers will not come on this connection.
  void lost_connection() {
    conn.reset();
    for (auto& [id, p] : pending) p->wake->cancel();
    if (save_wake) save_wake->cancel();
  }

  // Empty when the replay buffer runs (started here when it was not), else why not.
  asio::awaitable<std::string> ensure_replay_buffer() {
    std::optional<ObsMessage> st;

    st = co_await request("GetReplayBufferStatus", "");
    if (!st) co_return "OBS did not answer GetReplayBufferStatus";
    if (!st->request_ok) co_return describe_obs_refusal(*st);
    if (st->output_active.value_or(false)) co_return std::string();
    std::optional<ObsMessage> started;

    started = co_await request("StartReplayBuffer", "");
    if (!started) co_return "OBS did not answer StartReplayBuffer";
    // Refused as already running: another start (on connecting, or a save beside it) came first.
    if (!started->request_ok) {
      std::optional<ObsMessage> again;

      again = co_await request("GetReplayBufferStatus", "");
      if (again && again->output_active.value_or(false)) co_return std::string();
      co_return describe_obs_refusal(*started);
    }
    // The output reports active a moment after the request returns.
    for (int i = 0; i < 50; ++i) {
      std::optional<ObsMessage> again;

      again = co_await request("GetReplayBufferStatus", "");
      if (!again) co_return "OBS went away while starting the replay buffer";
      if (again->output_active.value_or(false)) {
        spdlog::info("obs: replay buffer started");
        co_return std::string();
      }
      co_await sleep(std::chrono::milliseconds(100));
    }
    co_return "the replay buffer did not start within 5 s";
  }

  asio::awaitable<void> after_identified(std::shared_ptr<Impl> /*keep*/) {
    std::optional<ObsMessage> v;

    v = co_await request("GetVersion", "");
    if (v && v->request_ok) {
      const auto& a = v->available_requests;
      chapter_supported = std::find(a.begin(), a.end(), "CreateRecordChapter") != a.end();
      spdlog::info("obs: connected to OBS {} at {}", v->obs_version, opt.url);
    }
    if (opt.chapter && !chapter_supported && !chapter_said) {
      spdlog::info("obs: this OBS has no CreateRecordChapter (OBS 30.2 or later, recording hybrid MP4): no chapters");
      chapter_said = true;
    }
    if (opt.start_replay_buffer) {
      std::string why;

      why = co_await ensure_replay_buffer();
      if (!why.empty()) spdlog::warn("obs: cannot start the replay buffer: {}", why);
    }
  }

  // One connection, from connect to close. Sets `why` to how it ended; `identified` once OBS accepted us.
  asio::awaitable<void> session(std::string& why, bool& identified) {
    auto c = std::make_shared<Connection>(ex);
    tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(ep.host, ep.port, kTuple);
    if (rec) {
      why = "cannot resolve " + ep.host + ": " + rec.message();
      co_return;
    }
    beast::get_lowest_layer(c->ws).expires_after(std::chrono::seconds(5));
    auto [cec, endpoint] = co_await beast::get_lowest_layer(c->ws).async_connect(results, kTuple);
    if (cec) {
      why = "cannot connect to " + ep.host + ":" + ep.port + ": " + cec.message();
      co_return;
    }
    beast::get_lowest_layer(c->ws).expires_never();
    c->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    c->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, "obs.websocket.json");
      req.set(beast::http::field::user_agent, "hyped");
    }));
    auto [hec] = co_await c->ws.async_handshake(ep.host + ":" + ep.port, ep.target, kTuple);
    if (hec) {
      why = "websocket handshake with " + opt.url + " failed: " + hec.message();
      co_return;
    }
    c->ws.text(true);
    beast::flat_buffer buf;
    // Reads one message; on a close, says how OBS closed.
    const auto read = [&]() -> asio::awaitable<std::optional<ObsMessage>> {
      buf.clear();
      auto [ec, n] = co_await c->ws.async_read(buf, kTuple);
      if (ec) {
        const auto& reason = c->ws.reason();
        if (ec == websocket::error::closed && reason.code == kObsAuthFailedClose)
          fatal =
              "OBS refused the password (websocket close code 4009): check [actions.obs] password or "
              "$HYPED_OBS_PASSWORD";
        else if (ec == websocket::error::closed)
          why = "OBS closed the connection (code " + std::to_string(reason.code) +
                (reason.reason.empty() ? "" : ": " + std::string(reason.reason.data(), reason.reason.size())) + ")";
        else
          why = "connection to OBS lost: " + ec.message();
        co_return std::nullopt;
      }
      co_return parse_obs_message(beast::buffers_to_string(buf.data()));
    };
    std::optional<ObsMessage> hello;

    hello = co_await read();
    if (!hello) co_return;
    if (hello->op != ObsMessage::Op::Hello || !hello->error.empty()) {
      why = "OBS did not say Hello" + (hello->error.empty() ? std::string() : ": " + hello->error);
      co_return;
    }
    std::string auth;
    if (hello->auth_required) {
      if (opt.password.empty()) {
        fatal = "OBS asks for a password: set [actions.obs] password or $HYPED_OBS_PASSWORD";
        co_return;
      }
      auth = obs_auth_string(opt.password, hello->salt, hello->challenge);
    }
    const std::string identify = obs_identify_message(auth, kObsOutputEvents);
    auto [wec, wn] = co_await c->ws.async_write(asio::buffer(identify), kTuple);
    if (wec) {
      why = "cannot identify to OBS: " + wec.message();
      co_return;
    }
    std::optional<ObsMessage> identified_msg;

    identified_msg = co_await read();
    if (!identified_msg) co_return;
    if (identified_msg->op != ObsMessage::Op::Identified) {
      why = "OBS did not confirm Identify";
      co_return;
    }
    identified = true;
    conn = c;
    asio::co_spawn(ex, after_identified(shared_from_this()), asio::detached);
    for (;;) {
      std::optional<ObsMessage> m;

      m = co_await read();
      if (!m) break;
      if (!m->error.empty())
        spdlog::debug("obs: ignoring a message: {}", m->error);
      else
        on_message(*m);
    }
    if (conn == c) lost_connection();
  }

  asio::awaitable<void> run(std::shared_ptr<Impl> /*keep*/) {
    auto backoff = opt.reconnect_min;
    std::mt19937 rng(std::random_device{}());
    bool said = false;
    while (!stopped) {
      std::string why;
      bool identified = false;
      co_await session(why, identified);
      if (stopped) break;
      if (!fatal.empty()) {
        spdlog::error("obs: {}", fatal);
        break;
      }
      if (identified) {
        backoff = opt.reconnect_min;
        said = false;
      }
      // The first failure in a row is news; the retries that follow are not.
      if (!said)
        spdlog::warn("obs: {}; reconnecting", why);
      else
        spdlog::debug("obs: {}", why);
      said = true;
      const auto jitter = std::chrono::milliseconds(std::uniform_int_distribution<long>(0, backoff.count() / 4)(rng));
      backoff_timer.emplace(ex);
      backoff_timer->expires_after(backoff + jitter);
      co_await backoff_timer->async_wait(kTuple);
      backoff = std::min(backoff * 2, opt.reconnect_max);
    }
  }

  asio::awaitable<ActionResult> save(std::string chapter_name) {
    ActionResult r;
    r.kind = ActionKind::ObsReplay;
    // The timeout counts from the request, queueing included: saves behind a dead OBS give up together.
    const auto deadline = std::chrono::steady_clock::now() + opt.save_timeout;
    // One save at a time: the next ReplayBufferSaved belongs to the save in progress.
    const long long ticket = tickets++;
    while (serving != ticket) co_await sleep(std::chrono::milliseconds(20));
    struct Release {
      Impl& impl;
      ~Release() { ++impl.serving; }
    } release{*this};

    std::string last_error = "OBS is not connected";
    while (std::chrono::steady_clock::now() < deadline) {
      if (!fatal.empty()) {
        r.error = fatal;
        co_return r;
      }
      if (!conn) {
        co_await sleep(std::chrono::milliseconds(100));
        continue;
      }
      if (opt.start_replay_buffer) {
        std::string why;

        why = co_await ensure_replay_buffer();
        if (!why.empty()) {
          last_error = why;
          if (conn) break;  // OBS is there and refuses: waiting will not help
          continue;
        }
      }
      awaiting_save = true;
      saved_path.reset();
      std::optional<ObsMessage> resp;

      resp = co_await request("SaveReplayBuffer", "");
      if (!resp) {
        awaiting_save = false;
        last_error = "OBS went away during the save";
        continue;
      }
      if (!resp->request_ok) {
        awaiting_save = false;
        r.error = describe_obs_refusal(*resp);
        co_return r;
      }
      if (!saved_path) {
        asio::steady_timer wake(ex);
        wake.expires_at(deadline);
        save_wake = &wake;
        co_await wake.async_wait(kTuple);
        save_wake = nullptr;
      }
      awaiting_save = false;
      if (saved_path) {
        r.ok = true;
        r.path = *saved_path;
        if (opt.chapter && chapter_supported) {
          const std::string data = nlohmann::json{{"chapterName", chapter_name}}.dump();
          std::optional<ObsMessage> ch;

          ch = co_await request("CreateRecordChapter", data);
          if (ch && !ch->request_ok && !chapter_said) {
            spdlog::info("obs: no record chapter ({}); chapters need a hybrid MP4 recording",
                         describe_obs_refusal(*ch));
            chapter_said = true;
          }
        }
        co_return r;
      }
      last_error = conn ? "OBS announced no saved replay" : "OBS went away during the save";
    }
    r.error = last_error + " (gave up after " + std::to_string(opt.save_timeout.count() / 1000) + " s)";
    co_return r;
  }
};

ObsClient::ObsClient(asio::any_io_executor executor, ObsActionOptions opt)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(opt))) {}

ObsClient::~ObsClient() = default;

void ObsClient::start() { asio::co_spawn(impl_->ex, impl_->run(impl_), asio::detached); }

void ObsClient::stop() {
  asio::post(impl_->ex, [self = impl_] {
    self->stopped = true;
    if (self->backoff_timer) self->backoff_timer->cancel();
    if (self->conn) {
      beast::error_code ec;
      beast::get_lowest_layer(self->conn->ws).socket().close(ec);
    }
  });
}

asio::awaitable<ActionResult> ObsClient::save_replay(std::string chapter_name) {
  const std::shared_ptr<Impl> self = impl_;
  ActionResult r;

  r = co_await self->save(chapter_name);
  co_return r;
}

const std::string& ObsClient::fatal_error() const { return impl_->fatal; }

}  // namespace hyped
