// HTTP(S) client for playlists, segments and Twitch's APIs, on Boost.Beast + OpenSSL: a deadline on
// every step (resolve, connect, TLS handshake, request, response), redirects, and one kept-alive
// connection per origin. Runs as coroutines on the caller's executor; errors come back in the result.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hyped {

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds response_timeout{10000};  // request written to the last body byte
  int max_redirects = 5;
  std::size_t max_body_bytes = 64u << 20;
  std::string user_agent = "hyped/0.1";
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds response_timeout{0};  // 0: the client's
};

struct HttpResponse {
  int status = 0;         // 0 when no response arrived
  std::string body;
  std::string url;        // the URL that answered, after redirects
  std::string error;      // transport failure; empty when a response arrived
  bool timed_out = false;
  bool permanent = false; // a transport failure retrying will not fix (certificate rejected, bad URL)
  // The answering response's header lines ("Name: value\n" each). One string, not a container: GCC 12
  // mis-destroys a container member of a coroutine's co_awaited result (double free in HlsFollower).
  std::string headers;
  // The first header of that name (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // "HTTP 404", "timed out connecting to 127.0.0.1:8080", "TLS handshake failed: certificate verify failed".
  std::string describe() const;
};

// Certificate trust shared by clients: the system CA store, plus `ca_file` (PEM) when given.
class TlsTrust;
// Throws std::runtime_error when ca_file cannot be loaded.
std::shared_ptr<TlsTrust> make_tls_trust(const std::string& ca_file = {});

class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor executor, std::shared_ptr<TlsTrust> trust, HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request at a time per client. Follows redirects; never throws for network or HTTP errors.
  boost::asio::awaitable<HttpResponse> request(HttpRequest req);
  boost::asio::awaitable<HttpResponse> get(std::string url, std::chrono::milliseconds response_timeout = {});
  // Closes the kept-alive connections.
  void close();
  long long connections_opened() const;
  long long requests_sent() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
