// Request targets and the Authorization header of the alert server's HTTP side, parsed without I/O.
#include "server/api_request.hpp"

#include <charconv>

#include "server/messages.hpp"

namespace hyped {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      out += ' ';
    } else if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    } else {
      out += raw[i];
    }
  }
  return out;
}

ApiRoute route_of(std::string_view path) {
  if (path == "/healthz") return ApiRoute::Healthz;
  if (path == "/metrics") return ApiRoute::Metrics;
  if (path == "/overlay" || path == "/overlay/") return ApiRoute::Overlay;
  if (path == "/api/highlights") return ApiRoute::Highlights;
  if (path == "/api/status") return ApiRoute::Status;
  if (path == "/ws") return ApiRoute::WebSocket;
  return ApiRoute::NotFound;
}

}  // namespace

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
    return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
  }
  return {};
}

bool token_matches(std::string_view expected, std::string_view given) {
  if (given.size() != expected.size()) return false;
  unsigned char diff = 0;  // constant time: no early exit on the first differing byte
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

ApiRequest parse_api_request(std::string_view target, std::string_view authorization) {
  ApiRequest r;
  r.route = route_of(target_path(target));
  r.token = query_param(target, "token");
  constexpr std::string_view bearer = "Bearer ";
  if (r.token.empty() && authorization.size() > bearer.size() && authorization.substr(0, bearer.size()) == bearer)
    r.token = std::string(authorization.substr(bearer.size()));
  if (r.route == ApiRoute::Highlights) {
    r.channel = query_param(target, "channel");
    if (const std::string since = query_param(target, "since"); !since.empty()) {
      const auto [end, ec] = std::from_chars(since.data(), since.data() + since.size(), r.since_id);
      if (ec != std::errc{} || end != since.data() + since.size()) {
        r.since_id = -1;
        r.error = "since must be a highlight id";
      }
    }
  } else if (r.route == ApiRoute::WebSocket) {
    if (const std::string since = query_param(target, "since"); !since.empty()) {
      ResumePoints points = parse_resume_points(since);
      if (points.error.empty())
        r.resume = std::move(points.last_id);
      else
        r.error = std::move(points.error);
    }
  }
  return r;
}

}  // namespace hyped
