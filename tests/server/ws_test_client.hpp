// Real Beast websocket/HTTP clients for the alert server tests (blocking, with receive timeouts).
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

inline void set_receive_timeout(tcp::socket& s, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

inline HttpReply http_get(unsigned short port, const std::string& target, const std::string& bearer = "") {
  net::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect({net::ip::make_address("127.0.0.1"), port});
  set_receive_timeout(sock, 5000);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  return {res.result_int(), res.body(), std::string(res[http::field::content_type])};
}

// The HTTP status with which the server answers a websocket handshake (101 when it accepts).
inline unsigned handshake_status(unsigned short port, const std::string& target) {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
  set_receive_timeout(ws.next_layer(), 5000);
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1", target, ec);
  return res.result_int();
}

class WsClient {
 public:
  // Connects and completes the handshake; throws beast::system_error (e.g. 401) on refusal.
  explicit WsClient(unsigned short port, const std::string& target = "/ws", bool wait_hello = true) : ws_(ioc_) {
    ws_.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    set_receive_timeout(ws_.next_layer(), 5000);
    ws_.handshake("127.0.0.1", target);
    if (wait_hello) {
      const auto hello = read_json();
      if (hello.value("type", "") != "hello") throw std::runtime_error("expected hello, got " + hello.dump());
    }
  }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  void send_binary(const std::string& data) {
    ws_.binary(true);
    ws_.write(net::buffer(data));
    ws_.text(true);
  }
  // Sends the subscription and returns the server's "subscribed" answer.
  nlohmann::json subscribe(const nlohmann::json& sub) {
    nlohmann::json j = sub;
    j["type"] = "subscribe";
    send(j.dump());
    auto ack = read_json();
    if (ack.value("type", "") != "subscribed") throw std::runtime_error("expected subscribed, got " + ack.dump());
    return ack;
  }
  nlohmann::json read_json() {
    beast::flat_buffer buf;
    ws_.read(buf);
    return nlohmann::json::parse(beast::buffers_to_string(buf.data()));
  }
  // Reads until the server closes; returns the close reason (code and text).
  websocket::close_reason read_until_close() {
    beast::flat_buffer buf;
    beast::error_code ec;
    while (!ec) {
      ws_.read(buf, ec);
      buf.consume(buf.size());
    }
    return ws_.reason();
  }
  websocket::stream<tcp::socket>& stream() { return ws_; }

 private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
};

}  // namespace test
