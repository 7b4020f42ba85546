// What the alert server reads from an HTTP request before acting on it: the route, the query parameters
// it uses and the token. Pure (no sockets, no Beast) and never throws, so any bytes a client sends can
// be fed to it.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace hyped {

enum class ApiRoute { Healthz, Metrics, Overlay, Highlights, Status, WebSocket, NotFound };

struct ApiRequest {
  ApiRoute route = ApiRoute::NotFound;
  std::string token;                        // ?token= or "Authorization: Bearer …"; empty when none was given
  std::string channel;                      // /api/highlights?channel=
  long long since_id = -1;                  // /api/highlights?since=ID: only ids above it
  std::map<std::string, long long> resume;  // /ws?since=CHANNEL:ID[,…]
  std::string error;                        // non-empty: the request is malformed (400, with this reason)
};

// `target` as the request line holds it; `authorization` the header's value (empty when absent).
ApiRequest parse_api_request(std::string_view target, std::string_view authorization);

// The path of a request target (before '?').
std::string_view target_path(std::string_view target);
// Value of a query parameter of a request target, percent-decoded; empty when absent.
std::string query_param(std::string_view target, std::string_view key);
// Whether `given` is the configured token, in time independent of where they differ.
bool token_matches(std::string_view expected, std::string_view given);

}  // namespace hyped
