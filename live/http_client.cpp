#include "live/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <map>
#include <optional>
#include <stdexcept>

#include "live/url.hpp"

namespace hyped {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class TlsTrust {
 public:
  asio::ssl::context ctx{asio::ssl::context::tls_client};
};

std::shared_ptr<TlsTrust> make_tls_trust(const std::string& ca_file) {
  auto t = std::make_shared<TlsTrust>();
  error_code ec;
  t->ctx.set_default_verify_paths(ec);  // a missing system store only matters for https peers
  if (!ca_file.empty()) {
    t->ctx.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("cannot load CA file '" + ca_file + "': " + ec.message());
  }
  t->ctx.set_verify_mode(asio::ssl::verify_peer);
  return t;
}

std::string HttpResponse::describe() const {
  if (!error.empty()) return error;
  return "HTTP " + std::to_string(status);
}

std::string HttpResponse::header(std::string_view name) const {
  std::string_view rest = headers;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const std::size_t colon = line.find(": ");
    if (colon != std::string_view::npos && boost::beast::iequals(line.substr(0, colon), name))
      return std::string(line.substr(colon + 2));
  }
  return {};
}

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  void close() {
    error_code ec;
    lowest().socket().close(ec);
  }
};

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string describe_ec(const error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  std::string m = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    // OpenSSL's text ("certificate verify failed (SSL routines)") is the useful part.
    if (const auto p = m.find(" (SSL routines)"); p != std::string::npos) m.erase(p);
  }
  return m;
}

}  // namespace

struct HttpClient::Impl {
  asio::any_io_executor ex;
  std::shared_ptr<TlsTrust> trust;
  HttpOptions opt;
  std::map<std::string, std::unique_ptr<Connection>> pool;  // origin → idle kept-alive connection
  long long opened = 0;
  long long sent = 0;

  // Opens a connection to `u`; on failure returns nullptr and fills `err`.
  asio::awaitable<std::unique_ptr<Connection>> connect(const Url& u, HttpResponse& err) {
    auto resolver = std::make_shared<tcp::resolver>(ex);
    asio::steady_timer timer(ex);
    timer.expires_after(opt.connect_timeout);
    bool resolve_timed_out = false;
    timer.async_wait([resolver, &resolve_timed_out](error_code ec) {
      if (!ec) {
        resolve_timed_out = true;
        resolver->cancel();
      }
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(u.host, u.port, kTuple);
    timer.cancel();
    const std::string where = u.host + ":" + u.port;
    if (rec) {
      err.timed_out = resolve_timed_out;
      err.error = resolve_timed_out ? "timed out resolving " + u.host : "cannot resolve " + u.host + ": " + rec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<Connection>();
    if (u.tls()) {
      c->tls.emplace(ex, trust->ctx);
      if (!is_ip_literal(u.host)) SSL_set_tlsext_host_name(c->tls->native_handle(), u.host.c_str());
      c->tls->set_verify_callback(asio::ssl::host_name_verification(u.host));
    } else {
      c->plain.emplace(ex);
    }
    c->lowest().expires_after(opt.connect_timeout);
    auto [cec, ep] = co_await c->lowest().async_connect(endpoints, kTuple);
    if (cec) {
      err.timed_out = cec == beast::error::timeout;
      err.error = (err.timed_out ? "timed out connecting to " : "cannot connect to ") + where +
                  (err.timed_out ? "" : ": " + cec.message());
      co_return nullptr;
    }
    c->lowest().socket().set_option(tcp::no_delay(true));
    if (c->tls) {
      auto [hec] = co_await c->tls->async_handshake(asio::ssl::stream_base::client, kTuple);
      if (hec) {
        err.timed_out = hec == beast::error::timeout;
        err.error = "TLS handshake with " + where + " failed: " + describe_ec(hec);
        err.permanent = !err.timed_out && hec.category() == asio::error::get_ssl_category();
        co_return nullptr;
      }
    }
    ++opened;
    co_return c;
  }

  template <class Stream>
  asio::awaitable<error_code> exchange_on(Stream& s, beast::flat_buffer& buf, http::request<http::string_body>& req,
                                          http::response_parser<http::string_body>& parser) {
    auto [wec, wn] = co_await http::async_write(s, req, kTuple);
    if (wec) co_return wec;
    auto [rec, rn] = co_await http::async_read(s, buf, parser, kTuple);
    co_return rec;
  }

  // One request/response on a kept-alive or new connection to u's origin.
  asio::awaitable<HttpResponse> exchange(const Url& u, const HttpRequest& r) {
    HttpResponse res;
    res.url = r.url;
    http::request<http::string_body> req{r.method == "POST" ? http::verb::post : http::verb::get, u.target, 11};
    const bool default_port = u.port == (u.tls() ? "443" : "80");
    req.set(http::field::host, (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) +
                                   (default_port ? "" : ":" + u.port));
    req.set(http::field::user_agent, opt.user_agent);
    req.set(http::field::accept_encoding, "identity");
    for (const auto& [k, v] : r.headers) req.set(k, v);
    if (!r.body.empty() || r.method == "POST") {
      req.body() = r.body;
      req.prepare_payload();
    }
    const std::string origin = u.origin();
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::unique_ptr<Connection> c;
      bool reused = false;
      if (auto it = pool.find(origin); it != pool.end()) {
        c = std::move(it->second);
        pool.erase(it);
        reused = true;
      } else {
        c = co_await connect(u, res);
        if (!c) co_return res;
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(opt.max_body_bytes);
      c->lowest().expires_after(r.response_timeout.count() > 0 ? r.response_timeout : opt.response_timeout);
      ++sent;
      const error_code ec = c->tls ? co_await exchange_on(*c->tls, c->buffer, req, parser)
                                   : co_await exchange_on(*c->plain, c->buffer, req, parser);
      if (ec) {
        c->close();
        // A kept-alive connection the server has closed meanwhile fails before any answer: retry once
        // on a fresh connection. Timeouts are not retried here (the caller's backoff decides).
        if (reused && ec != beast::error::timeout && !parser.got_some()) continue;
        res.timed_out = ec == beast::error::timeout;
        res.error = (res.timed_out ? "timed out waiting for " : "connection to " + u.host + ":" + u.port + " failed: ") +
                    (res.timed_out ? u.host + ":" + u.port : describe_ec(ec));
        co_return res;
      }
      auto msg = parser.release();
      res.status = static_cast<int>(msg.result_int());
      res.body = std::move(msg.body());
      res.headers.clear();
      for (const auto& f : msg) res.headers.append(f.name_string()).append(": ").append(f.value()).append("\n");
      location.clear();
      if (auto loc = msg.find(http::field::location); loc != msg.end()) location = std::string(loc->value());
      if (msg.keep_alive()) {
        c->lowest().expires_never();
        pool[origin] = std::move(c);
      } else {
        c->close();
      }
      co_return res;
    }
    res.error = "connection to " + u.host + ":" + u.port + " closed";
    co_return res;
  }

  std::string location;  // Location header of the last response
};

HttpClient::HttpClient(asio::any_io_executor executor, std::shared_ptr<TlsTrust> trust, HttpOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->ex = std::move(executor);
  impl_->trust = trust ? std::move(trust) : make_tls_trust();
  impl_->opt = std::move(options);
}

HttpClient::~HttpClient() = default;

void HttpClient::close() {
  for (auto& [origin, c] : impl_->pool) c->close();
  impl_->pool.clear();
}

long long HttpClient::connections_opened() const { return impl_->opened; }
long long HttpClient::requests_sent() const { return impl_->sent; }

asio::awaitable<HttpResponse> HttpClient::get(std::string url, std::chrono::milliseconds response_timeout) {
  HttpRequest r;
  r.url = std::move(url);
  r.response_timeout = response_timeout;
  co_return co_await request(std::move(r));
}

asio::awaitable<HttpResponse> HttpClient::request(HttpRequest req) {
  for (int hop = 0;; ++hop) {
    const auto u = parse_url(req.url);
    if (!u) {
      HttpResponse bad;
      bad.url = req.url;
      bad.error = "not an http(s) URL: '" + req.url + "'";
      bad.permanent = true;
      co_return bad;
    }
    HttpResponse res = co_await impl_->exchange(*u, req);
    const bool redirect = res.error.empty() && (res.status == 301 || res.status == 302 || res.status == 303 ||
                                                res.status == 307 || res.status == 308);
    if (!redirect || impl_->location.empty()) co_return res;
    if (hop >= impl_->opt.max_redirects) {
      res.permanent = true;
      res.error = "too many redirects (more than " + std::to_string(impl_->opt.max_redirects) + ") from '" + req.url + "'";
      co_return res;
    }
    req.url = resolve_url(req.url, impl_->location);
    if (res.status == 303 || ((res.status == 301 || res.status == 302) && req.method == "POST")) {
      req.method = "GET";
      req.body.clear();
    }
  }
}

}  // namespace hyped
