// Internals of the alert server shared by its translation units (not a public header).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/iso8601.hpp"
#include "live/shutdown_io_context.hpp"
#include "server/alert_server.hpp"
#include "server/messages.hpp"
#include "server/metrics.hpp"

namespace hyped {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class WsSession;
class WebhookSender;

struct StoredHighlight {
  std::string channel;
  Highlight highlight;
  WallClock::time_point wall;
  std::vector<std::string> actions;  // action messages about it, as sent
};

// What a reconnecting client missed: kept highlights newer than its resume points, oldest first.
struct Backlog {
  std::vector<StoredHighlight> missed;
  long long unavailable = 0;  // asked for but no longer kept, or beyond what its queue may hold
  // Per resumed channel whose ids this server has reached: the newest kept id. The client now has
  // everything up to it, so a fan-out of one of those still on its way is not sent again. (A channel
  // whose kept ids are all below the client's began again after a restart: nothing is held back there.)
  std::map<std::string, long long> up_to;
};

// One io thread and the websocket clients it serves. A session stays on the shard that accepted it, so
// its state needs no locks, and a broadcast costs one post per shard; the shards send in parallel.
struct ServerShard {
  ShutdownIoContext ioc{1};  // stop() destroys what is left in it: handlers hold sessions, sessions the server
  // Keeps run() going while the shard has no client yet; stop() ends it.
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::unordered_set<std::shared_ptr<WsSession>> clients;  // only touched on this shard's thread
  std::thread thread;
};

struct AlertServer::Impl : std::enable_shared_from_this<AlertServer::Impl> {
  explicit Impl(ServerOptions o);
  ~Impl();

  net::io_context& hub() { return shards.front()->ioc; }  // the acceptor and the webhooks run here
  void do_accept();
  // On the shard's thread.
  void broadcast_highlight(ServerShard& shard, const std::string& channel, const std::shared_ptr<const std::string>& msg,
                           double score, long long id, int revision);
  void broadcast_score(ServerShard& shard, const std::string& channel, const std::shared_ptr<const std::string>& msg);
  // The channels of a subscription that no status or highlight has named yet, by name.
  std::vector<std::string> unknown_channels(const Subscription& sub);
  // Puts the session on the fan-out list and greets it; with resume points, returns what it missed.
  Backlog join(ServerShard& shard, const std::shared_ptr<WsSession>& s, const std::map<std::string, long long>& resume);
  void leave(ServerShard& shard, const std::shared_ptr<WsSession>& s);
  void publish_highlight(const std::string& channel, const Highlight& h, WallClock::time_point wall, bool news);
  void publish_action(const ActionResult& r, bool news);
  // Runs `f(*this, shard)` on every shard's thread.
  template <class F>
  void on_every_shard(F f) {
    if (stopped) return;  // a shut-down context would keep the handler, and with it this server, forever
    for (auto& sh : shards) net::post(sh->ioc, [self = shared_from_this(), &shard = *sh, f] { f(*self, shard); });
  }

  ServerOptions opt;
  std::vector<std::unique_ptr<ServerShard>> shards;
  tcp::acceptor acceptor;
  std::size_t next_shard = 0;  // accept loop only
  bool started = false;
  std::atomic<bool> stopped{false};  // stop() has begun: nothing more is posted to the shards
  // ISO-8601, as hello, /api/status and webhooks give it: highlight ids count per server run.
  const std::string started_text = opt.started.empty() ? format_iso8601(WallClock::now()) : opt.started;
  std::atomic<bool> finishing{false};
  ServerMetrics metrics;
  std::unique_ptr<WebhookSender> webhooks;  // hub thread only

  // What the HTTP API reads from any shard while the detector's thread writes it.
  std::mutex state_mu;
  std::string backend = "cpu";
  std::map<std::string, ChannelStatus> channels;
  std::deque<StoredHighlight> history;
  std::set<std::string> seen_channels;  // every channel with a status or a highlight so far
  std::set<std::string> followed;       // the live session's followed set
  std::optional<DiscoveryStatus> discovery;
};

// Serves one HTTP connection; hands websocket upgrades of /ws to a WsSession.
void start_http_session(const std::shared_ptr<AlertServer::Impl>& server, ServerShard& shard, tcp::socket socket);

const std::string& overlay_page();

}  // namespace hyped
