// One websocket client: its subscription, a bounded outgoing queue with one write in flight, the read
// loop that takes subscribe requests, and, for a client that reconnects, the highlights it missed.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>

#include "server/server_internal.hpp"

namespace hyped {

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  // `resume`: the newest highlight id the client has of each channel it names (/ws?since=…).
  WsSession(std::shared_ptr<AlertServer::Impl> server, ServerShard& shard, beast::tcp_stream stream,
            std::map<std::string, long long> resume = {});
  void run(http::request<http::string_body> req);

  // Queues a message unless the subscription filters it out or the client has it already. Scores are
  // dropped first when the queue is full; a client that cannot even take its highlights is disconnected.
  void send_highlight(const std::string& channel, const std::shared_ptr<const std::string>& msg, double score,
                      long long id, int revision);
  // An action's result, to clients of its channel (whatever their min_score).
  void send_action(const std::string& channel, const std::shared_ptr<const std::string>& msg) {
    if (sub_.wants(channel)) enqueue({msg, false});
  }
  void send_score(const std::string& channel, const std::shared_ptr<const std::string>& msg);
  // Control messages every client gets, whatever it subscribed to.
  void send_control(const std::shared_ptr<const std::string>& msg) { enqueue({msg, false}); }
  // Closes the connection at once (server shutdown).
  void abort();
  // Sends what is queued, then a close frame.
  void close_after_queue(websocket::close_code code, const std::string& reason);

 private:
  struct Outgoing {
    std::shared_ptr<const std::string> text;
    bool score;
  };
  void on_accept(beast::error_code ec);
  void send_backlog(const Backlog& backlog);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void enqueue(Outgoing m);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void close_now(websocket::close_code code, const std::string& reason);
  void drop();

  std::shared_ptr<AlertServer::Impl> server_;
  ServerShard& shard_;  // every handler runs on its thread
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool gone_ = false;
  std::optional<websocket::close_reason> close_after_;
  Subscription sub_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_score_;
  std::map<std::string, long long> resume_;
  std::map<std::string, long long> has_up_to_;  // Backlog::up_to, until the fan-out passes it
  std::map<std::pair<std::string, long long>, int> backlog_revision_;  // (channel, id) → revision the backlog sent

};

}  // namespace hyped
