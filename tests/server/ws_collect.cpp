// A Beast websocket client for end-to-end tests of a running hyped process: connects to
// ws://127.0.0.1:PORT/ws (retrying while the server starts), optionally subscribes, prints every text
// message as one line, and on close prints {"type":"_closed","code":…,"reason":…}.
//   ws_collect PORT [--target /ws?token=…] [--subscribe JSON] [--connect-timeout-s S]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ws_collect PORT [--target PATH] [--subscribe JSON] [--connect-timeout-s S]\n";
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  std::string target = "/ws", subscribe;
  double connect_timeout_s = 20;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--target") target = argv[i + 1];
    else if (flag == "--subscribe") subscribe = argv[i + 1];
    else if (flag == "--connect-timeout-s") connect_timeout_s = std::atof(argv[i + 1]);
    else {
      std::cerr << "ws_collect: unknown option " << flag << "\n";
      return 2;
    }
  }

  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(connect_timeout_s);
  for (;;) {
    beast::error_code ec;
    ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) break;
    ws.next_layer().close(ec);
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "ws_collect: cannot connect to 127.0.0.1:" << port << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  try {
    ws.handshake("127.0.0.1", target);
    if (!subscribe.empty()) {
      nlohmann::json sub = nlohmann::json::parse(subscribe);
      sub["type"] = "subscribe";
      ws.write(net::buffer(sub.dump()));
    }
    for (;;) {
      beast::flat_buffer buf;
      beast::error_code ec;
      ws.read(buf, ec);
      if (ec) break;
      std::cout << beast::buffers_to_string(buf.data()) << '\n' << std::flush;
    }
  } catch (const beast::system_error& e) {
    std::cerr << "ws_collect: " << e.what() << "\n";
    return 1;
  }
  const auto& reason = ws.reason();
  const nlohmann::json closed = {
      {"type", "_closed"}, {"code", reason.code}, {"reason", std::string(reason.reason.data(), reason.reason.size())}};
  std::cout << closed.dump() << '\n';
  return 0;
}
