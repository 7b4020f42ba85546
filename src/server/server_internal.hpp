// Internals of the alert server shared by its translation units (not a public header).
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>

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
};

// Everything below runs on the server's single io thread: no locks.
struct AlertServer::Impl : std::enable_shared_from_this<AlertServer::Impl> {
  explicit Impl(ServerOptions o);
  ~Impl();

  void do_accept();
  void broadcast_highlight(const std::string& channel, const std::shared_ptr<const std::string>& msg, double score);
  void broadcast_score(const std::string& channel, const std::shared_ptr<const std::string>& msg);
  void join(const std::shared_ptr<WsSession>& s);
  void leave(const std::shared_ptr<WsSession>& s);

  ServerOptions opt;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  ServerMetrics metrics;
  std::string backend = "cpu";
  std::map<std::string, ChannelStatus> channels;
  std::deque<StoredHighlight> history;
  std::unordered_set<std::shared_ptr<WsSession>> clients;
  std::unique_ptr<WebhookSender> webhooks;
  bool finishing = false;
};

// Whether the request carries the configured token (?token= or Authorization: Bearer).
bool authorized(const ServerOptions& opt, const http::request<http::string_body>& req);
// Value of a query parameter of a request target, percent-decoded; empty when absent.
std::string query_param(std::string_view target, std::string_view key);
std::string_view target_path(std::string_view target);

// Serves one HTTP connection; hands websocket upgrades of /ws to a WsSession.
void start_http_session(const std::shared_ptr<AlertServer::Impl>& server, tcp::socket socket);

const std::string& overlay_page();

}  // namespace hyped
