// libFuzzer target: an HTTP request as the alert server reads it off the socket. Beast parses the bytes
// (with the server's body limit); the target and Authorization header then go through
// parse_api_request, which must never throw and must give an error only for a malformed parameter.
// The raw bytes also go in as a target of their own, so the query parsing sees every byte.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/api_request.hpp"

namespace {
namespace http = boost::beast::http;

void check(const hyped::ApiRequest& r) {
  if (!r.error.empty() && r.route != hyped::ApiRoute::Highlights && r.route != hyped::ApiRoute::WebSocket)
    __builtin_trap();  // only the routes with parameters reject one
  if (r.route != hyped::ApiRoute::WebSocket && !r.resume.empty()) __builtin_trap();
  if (!r.error.empty() && r.since_id != -1) __builtin_trap();
  (void)hyped::token_matches("s3cret", r.token);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check(hyped::parse_api_request(bytes, bytes));
  (void)hyped::query_param(bytes, "since");

  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == http::error::need_more) break;
    if (ec || n == 0) return 0;
    used += n;
  }
  if (!parser.is_header_done()) return 0;
  const auto& req = parser.get();
  check(hyped::parse_api_request(req.target(), req[http::field::authorization]));
  return 0;
}
