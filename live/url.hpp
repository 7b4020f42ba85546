// URLs as HLS needs them: split into scheme/host/port/target for the HTTP client, and references in
// playlists resolved against the playlist's own URL (RFC 3986 section 5.2, without fragments).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hyped {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // always set: explicit, or 80 / 443
  std::string target;  // path and query, at least "/"
  bool tls() const { return scheme == "https"; }
  std::string origin() const;  // "https://host:port", the key of a keep-alive connection
};

// nullopt unless an absolute http(s) URL.
std::optional<Url> parse_url(std::string_view url);

// `ref` resolved against `base` (absolute refs are returned as they are).
std::string resolve_url(std::string_view base, std::string_view ref);

// application/x-www-form-urlencoded component encoding (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view s);

}  // namespace hyped
