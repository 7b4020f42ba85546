// HTTP side of the alert server: the small JSON/text API, the overlay page, and websocket upgrades.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "core/iso8601.hpp"
#include "server/server_internal.hpp"
#include "server/ws_session.hpp"

namespace hyped {

std::string_view target_path(std::string_view target) { return target.substr(0, target.find('?')); }

std::string query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    const std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size()) {
        const auto hex = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); };
        if (std::isxdigit(static_cast<unsigned char>(raw[i + 1])) && std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
          out += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
          i += 2;
        } else {
          out += raw[i];
        }
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return {};
}

bool authorized(const ServerOptions& opt, const http::request<http::string_body>& req) {
  if (opt.token.empty()) return true;
  std::string given = query_param(req.target(), "token");
  if (given.empty()) {
    const auto auth = req[http::field::authorization];
    const std::string_view bearer = "Bearer ";
    if (auth.size() > bearer.size() && auth.substr(0, bearer.size()) == bearer) given = std::string(auth.substr(bearer.size()));
  }
  if (given.size() != opt.token.size()) return false;
  unsigned char diff = 0;  // constant time: no early exit on the first differing byte
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ opt.token[i]);
  return diff == 0;
}

namespace {

using nlohmann::ordered_json;

double r3(double v) { return std::round(v * 1000.0) / 1000.0; }

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
          {"time_s", r3(h.time_s)},       {"start_s", r3(h.start_s)},
          {"end_s", r3(h.end_s)},         {"score", r3(h.score)},
          {"audio_z", r3(h.audio_z)},     {"chat_z", r3(h.chat_z)},
          {"chat_rate", r3(h.chat_rate)}, {"reasons", h.reasons},
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
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    respond(route(req));
  }

  void upgrade(http::request<http::string_body> req) {
    const auto& opt = server_->opt;
    if (target_path(req.target()) != "/ws") return respond(text(req, http::status::not_found, "no websocket here: use /ws\n"));
    if (!authorized(opt, req)) {
      ++server_->metrics.unauthorized;
      return respond(text(req, http::status::unauthorized, "missing or wrong token\n"));
    }
    if (!opt.allowed_origins.empty() && req.count(http::field::origin) > 0) {
      const std::string origin(req[http::field::origin]);
      if (std::find(opt.allowed_origins.begin(), opt.allowed_origins.end(), origin) == opt.allowed_origins.end())
        return respond(text(req, http::status::forbidden, "origin not allowed\n"));
    }
    ResumePoints resume;
    if (const std::string since = query_param(req.target(), "since"); !since.empty()) {
      resume = parse_resume_points(since);
      if (!resume.error.empty()) return respond(text(req, http::status::bad_request, resume.error + "\n"));
    }
    std::make_shared<WsSession>(server_, shard_, std::move(stream_), std::move(resume.last_id))->run(std::move(req));
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

  http::response<http::string_body> route(const http::request<http::string_body>& req) {
    Impl& s = *server_;
    const std::string_view path = target_path(req.target());
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return text(req, http::status::method_not_allowed, "only GET\n");
    if (path == "/healthz") return text(req, http::status::ok, "ok\n");
    if (!authorized(s.opt, req)) {
      ++s.metrics.unauthorized;
      return text(req, http::status::unauthorized, "missing or wrong token\n");
    }
    // The detector's thread writes what these read: copy under the lock, render outside it, so a large
    // answer never holds up publishing.
    if (path == "/metrics") {
      std::unique_lock lock(s.state_mu);
      std::string body = s.metrics.prometheus_text();
      lock.unlock();
      return text(req, http::status::ok, std::move(body), "text/plain; version=0.0.4");
    }
    if (path == "/overlay" || path == "/overlay/") return text(req, http::status::ok, overlay_page(), "text/html; charset=utf-8");
    if (path == "/api/highlights") {
      const std::string channel = query_param(req.target(), "channel");
      const std::string since_s = query_param(req.target(), "since");
      long long since = -1;
      if (!since_s.empty()) {
        try {
          since = std::stoll(since_s);
        } catch (const std::exception&) {
          return text(req, http::status::bad_request, "since must be a highlight id\n");
        }
      }
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
    if (path == "/api/status") {
      std::map<std::string, ChannelStatus> channels;
      std::map<std::string, long long> alerts;
      std::string backend;
      {
        std::lock_guard lock(s.state_mu);
        channels = s.channels;
        alerts = s.metrics.alerts;
        backend = s.backend;
      }
      ordered_json chans = ordered_json::array();
      for (const auto& [name, st] : channels)
        chans.push_back({{"name", name}, {"media_time_s", r3(st.media_time_s)}, {"ingest_lag_s", r3(st.ingest_lag_s)},
                         {"alerts", alerts.count(name) ? alerts.at(name) : 0}});
      const ordered_json out = {{"backend", backend},
                                {"started", s.started_text},
                                {"channels", chans},
                                {"clients", s.metrics.clients.load()},
                                {"dropped_messages", s.metrics.dropped_messages.load()},
                                {"ingest_drops", s.metrics.detector_drops.load()},
                                {"slow_disconnects", s.metrics.slow_disconnects.load()}};
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
