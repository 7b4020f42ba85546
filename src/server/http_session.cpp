// HTTP side of the alert server: the small JSON/text API, the overlay page, and websocket upgrades.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/iso8601.hpp"
#include "server/api_request.hpp"
#include "server/process_memory.hpp"
#include "server/server_internal.hpp"
#include "server/ws_session.hpp"

namespace hyped {

namespace {

using nlohmann::ordered_json;

// Whether the request carries the configured token (?token= or Authorization: Bearer).
bool authorized(const ServerOptions& opt, const ApiRequest& api) {
  return opt.token.empty() || token_matches(opt.token, api.token);
}

// The action messages of a highlight, without their "type".
ordered_json actions_json(const std::vector<std::string>& messages) {
  ordered_json out = ordered_json::array();
  for (const std::string& m : messages) {
    ordered_json a = ordered_json::parse(m, nullptr, false);
    if (a.is_discarded()) continue;
    a.erase("type");
    out.push_back(std::move(a));
  }
  return out;
}

ordered_json highlight_json(const StoredHighlight& s) {
  const Highlight& h = s.highlight;
  return {{"channel", s.channel},         {"id", h.id},
          {"revision", h.revision},       // a revision replaced what was first sent for the id
          {"time_s", round3(h.time_s)},       {"start_s", round3(h.start_s)},
          {"end_s", round3(h.end_s)},         {"score", round3(h.score)},
          {"audio_z", round3(h.audio_z)},     {"chat_z", round3(h.chat_z)},
          {"chat_rate", round3(h.chat_rate)}, {"reasons", h.reasons},
          {"wall_time", format_iso8601(s.wall)},
          {"actions", actions_json(s.actions)}};
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<AlertServer::Impl> server, ServerShard& shard, tcp::socket socket)
      : server_(std::move(server)), shard_(shard), stream_(std::move(socket)) {}

  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec) return;  // timeout, reset or a request we could not parse: drop the connection
    http::request<http::string_body> req = parser_->release();
    ApiRequest api = parse_api_request(req.target(), req[http::field::authorization]);
    if (websocket::is_upgrade(req)) return upgrade(std::move(req), std::move(api));
    respond(route(req, api));
  }

  void upgrade(http::request<http::string_body> req, ApiRequest api) {
    const auto& opt = server_->opt;
    if (api.route != ApiRoute::WebSocket)
      return respond(text(req, http::status::not_found, "no websocket here: use /ws\n"));
    if (!authorized(opt, api)) {
      ++server_->metrics.unauthorized;
      return respond(text(req, http::status::unauthorized, "missing or wrong token\n"));
    }
    if (!opt.allowed_origins.empty() && req.count(http::field::origin) > 0) {
      const std::string origin(req[http::field::origin]);
      if (std::find(opt.allowed_origins.begin(), opt.allowed_origins.end(), origin) == opt.allowed_origins.end())
        return respond(text(req, http::status::forbidden, "origin not allowed\n"));
    }
    if (!api.error.empty()) return respond(text(req, http::status::bad_request, api.error + "\n"));
    std::make_shared<WsSession>(server_, shard_, std::move(stream_), std::move(api.resume))->run(std::move(req));
  }

  http::response<http::string_body> text(const http::request<http::string_body>& req, http::status st, std::string body,
                                         const char* type = "text/plain; charset=utf-8") {
    http::response<http::string_body> res{st, req.version()};
    res.set(http::field::server, "hyped");
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    if (st == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  http::response<http::string_body> route(const http::request<http::string_body>& req, const ApiRequest& api) {
    Impl& s = *server_;
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return text(req, http::status::method_not_allowed, "only GET\n");
    if (api.route == ApiRoute::Healthz) return text(req, http::status::ok, "ok\n");
    if (!authorized(s.opt, api)) {
      ++s.metrics.unauthorized;
      return text(req, http::status::unauthorized, "missing or wrong token\n");
    }
    // The detector's thread writes what these read: copy under the lock, render outside it, so a large
    // answer never holds up publishing.
    if (api.route == ApiRoute::Metrics) {
      const long long resident = resident_memory_bytes();
      std::unique_lock lock(s.state_mu);
      std::string body = s.metrics.prometheus_text(resident);
      lock.unlock();
      return text(req, http::status::ok, std::move(body), "text/plain; version=0.0.4");
    }
    if (api.route == ApiRoute::Overlay) return text(req, http::status::ok, overlay_page(), "text/html; charset=utf-8");
    if (api.route == ApiRoute::Highlights) {
      if (!api.error.empty()) return text(req, http::status::bad_request, api.error + "\n");
      const std::string& channel = api.channel;
      const long long since = api.since_id;
      std::vector<StoredHighlight> picked;
      std::string backend;
      {
        std::lock_guard lock(s.state_mu);
        backend = s.backend;
        for (const StoredHighlight& h : s.history)
          if ((channel.empty() || h.channel == channel) && h.highlight.id > since) picked.push_back(h);
      }
      ordered_json out = {{"backend", backend}, {"highlights", ordered_json::array()}};
      for (const StoredHighlight& h : picked) out["highlights"].push_back(highlight_json(h));
      return text(req, http::status::ok, out.dump() + "\n", "application/json");
    }
    if (api.route == ApiRoute::Status) {
      std::map<std::string, ChannelStatus> channels;
      std::map<std::string, long long> alerts;
      std::string backend;
      std::set<std::string> followed;
      bool told_followed = false;
      std::optional<DiscoveryStatus> discovery;
      {
        std::lock_guard lock(s.state_mu);
        channels = s.channels;
        followed = s.followed;
        told_followed = s.metrics.followed >= 0;
        discovery = s.discovery;
        alerts = s.metrics.alerts;
        backend = s.backend;
      }
      ordered_json chans = ordered_json::array();
      for (const auto& [name, st] : channels)
        chans.push_back({{"name", name}, {"media_time_s", round3(st.media_time_s)}, {"ingest_lag_s", round3(st.ingest_lag_s)},
                         {"alerts", alerts.count(name) ? alerts.at(name) : 0}});
      ordered_json out = {{"backend", backend},
                          {"started", s.started_text},
                          {"channels", chans},
                          {"clients", s.metrics.clients.load()},
                          {"dropped_messages", s.metrics.dropped_messages.load()},
                          {"ingest_drops", s.metrics.detector_drops.load()},
                          {"slow_disconnects", s.metrics.slow_disconnects.load()}};
      // A live session's followed set (channels with no audio yet included), and its discovery.
      if (told_followed) out["followed"] = followed;
      if (const long long resident = resident_memory_bytes(); resident >= 0) {
        out["memory"] = {{"resident_bytes", resident}};
        if (const long long share = memory_per_channel(resident, told_followed ? static_cast<long long>(followed.size()) : 0);
            share >= 0)
          out["memory"]["per_channel_bytes"] = share;
      }
      if (discovery)
        out["discovery"] = {{"listings", discovery->listings}, {"failures", discovery->failures},
                            {"joined", discovery->joined},     {"left", discovery->left},
                            {"last_listing", discovery->last_listing}, {"last_error", discovery->last_error}};
      return text(req, http::status::ok, out.dump() + "\n", "application/json");
    }
    return text(req, http::status::not_found, "not found\n");
  }

  void respond(http::response<http::string_body> res) {
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    const bool keep = sp->keep_alive();
    http::async_write(stream_, *sp, [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keep) self->do_read();
      else self->shutdown();
    });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  using Impl = AlertServer::Impl;
  std::shared_ptr<Impl> server_;
  ServerShard& shard_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void start_http_session(const std::shared_ptr<AlertServer::Impl>& server, ServerShard& shard, tcp::socket socket) {
  std::make_shared<HttpSession>(server, shard, std::move(socket))->run();
}

}  // namespace hyped
