#include "server/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hyped {

namespace {
constexpr auto kScoreInterval = std::chrono::milliseconds(500);  // at most 2 score messages a second
}

WsSession::WsSession(std::shared_ptr<AlertServer::Impl> server, ServerShard& shard, beast::tcp_stream stream,
                     std::map<std::string, long long> resume)
    : server_(std::move(server)), shard_(shard), ws_(std::move(stream)), resume_(std::move(resume)) {}

void WsSession::run(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts take over
  // A fixed kernel send buffer bounds what a stalled client can pin in memory (autotuning would let
  // it grow to megabytes) and lets the bounded queue notice a client that stopped reading.
  beast::error_code ignored;
  auto& sock = beast::get_lowest_layer(ws_).socket();
  sock.set_option(net::socket_base::send_buffer_size(static_cast<int>(server_->opt.socket_send_buffer)), ignored);
  // Alerts are small frames that must leave at once: Nagle would hold one back for the peer's delayed
  // ACK (tens of milliseconds) whenever an earlier frame is still unacknowledged.
  sock.set_option(tcp::no_delay(true), ignored);
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = server_->opt.idle_timeout;
  t.keep_alive_pings = true;  // a ping at half the idle timeout; no pong by the end → closed
  ws_.set_option(t);
  ws_.read_message_max(server_->opt.max_message_bytes);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "hyped"); }));
  ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return drop();
  const Backlog backlog = server_->join(shard_, shared_from_this(), resume_);
  if (!resume_.empty()) send_backlog(backlog);
  do_read();
}

void WsSession::send_backlog(const Backlog& backlog) {
  has_up_to_ = backlog.up_to;
  for (const StoredHighlight& h : backlog.missed) backlog_revision_[{h.channel, h.highlight.id}] = h.highlight.revision;
  for (const StoredHighlight& h : backlog.missed)
    enqueue({std::make_shared<const std::string>(highlight_message(h.channel, h.highlight, h.wall)), false});
  send_control(std::make_shared<const std::string>(
      resumed_message(static_cast<long long>(backlog.missed.size()), backlog.unavailable)));
}

void WsSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == websocket::error::message_too_big) {  // Beast has already sent close code 1009
    ++server_->metrics.protocol_errors;
    return drop();
  }
  if (ec) return drop();
  if (!ws_.got_text()) {
    ++server_->metrics.protocol_errors;
    return close_now(websocket::close_code::unknown_data, "binary frames are not supported");
  }
  const std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  ClientRequest req = parse_client_message(text);
  if (!req.subscribe) {
    ++server_->metrics.protocol_errors;
    return close_now(websocket::close_code::policy_error, "malformed message: " + req.error);
  }
  sub_ = std::move(*req.subscribe);
  send_control(std::make_shared<const std::string>(subscribed_message(sub_, server_->unknown_channels(sub_))));
  do_read();
}

void WsSession::send_highlight(const std::string& channel, const std::shared_ptr<const std::string>& msg,
                               double score, long long id, int revision) {
  if (!sub_.wants(channel) || score < sub_.min_score) return;
  if (const auto it = has_up_to_.find(channel); it != has_up_to_.end()) {
    if (id <= it->second) {
      // The client has this id already, as it fired (it resumed past it) or as the backlog told it;
      // only a later revision is news.
      const auto told = backlog_revision_.find({channel, id});
      if (revision <= (told != backlog_revision_.end() ? told->second : 0)) return;
    } else {
      has_up_to_.erase(it);  // ids only grow from here
    }
  }
  enqueue({msg, false});
}

void WsSession::send_score(const std::string& channel, const std::shared_ptr<const std::string>& msg) {
  if (!sub_.scores || !sub_.wants(channel)) return;
  const auto now = std::chrono::steady_clock::now();
  auto [it, fresh] = last_score_.try_emplace(channel, now);
  if (!fresh) {
    if (now - it->second < kScoreInterval) return;
    it->second = now;
  }
  enqueue({msg, true});
}

void WsSession::enqueue(Outgoing m) {
  if (gone_ || closing_) return;
  const std::size_t limit = server_->opt.client_queue_limit;
  if (queue_.size() >= limit) {
    // The front entry may be mid-write: only entries behind it can be dropped.
    auto score = std::find_if(queue_.begin() + (writing_ ? 1 : 0), queue_.end(), [](const Outgoing& o) { return o.score; });
    if (score != queue_.end()) {
      queue_.erase(score);
      ++server_->metrics.dropped_messages;
    } else if (m.score) {
      ++server_->metrics.dropped_messages;
      return;
    } else {
      ++server_->metrics.slow_disconnects;
      server_->metrics.dropped_messages += static_cast<long long>(queue_.size()) + 1;
      spdlog::warn("websocket client too slow ({} messages queued): disconnected", queue_.size());
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);  // it cannot even read a close frame in time
      return drop();
    }
  }
  queue_.push_back(std::move(m));
  if (!writing_) do_write();
}

void WsSession::do_write() {
  if (queue_.empty()) {
    if (close_after_) {
      const auto reason = *close_after_;
      close_after_.reset();
      closing_ = true;
      ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->drop(); });
    }
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front().text), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return drop();
  queue_.pop_front();
  do_write();
}

void WsSession::close_after_queue(websocket::close_code code, const std::string& reason) {
  if (gone_ || closing_) return;
  close_after_ = websocket::close_reason(code, close_reason_text(reason));  // the app's reason may be long
  if (!writing_) do_write();
}

void WsSession::close_now(websocket::close_code code, const std::string& why) {
  if (gone_ || closing_) return;
  const std::string reason = close_reason_text(why);  // a client's own text may be in it
  if (writing_) {  // one write at a time: close once the frame in flight is out
    queue_.erase(queue_.begin() + 1, queue_.end());
    close_after_ = websocket::close_reason(code, reason);
    return;
  }
  queue_.clear();
  closing_ = true;
  ws_.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](beast::error_code) { self->drop(); });
}

void WsSession::abort() {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  drop();
}

void WsSession::drop() {
  if (gone_) return;
  gone_ = true;
  server_->leave(shard_, shared_from_this());
}

}  // namespace hyped
