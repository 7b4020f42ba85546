// libFuzzer target: URL parsing and reference resolution, as the HLS follower uses them on URLs that come
// from playlists and the command line. The input is "BASE\nREF" (no newline: the input is both).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "live/url.hpp"

namespace {
void check(const std::optional<hyped::Url>& u) {
  if (!u) return;
  if (u->scheme != "http" && u->scheme != "https") __builtin_trap();
  if (u->host.empty() || u->port.empty() || u->port.size() > 5) __builtin_trap();
  if (u->target.empty() || u->target[0] != '/') __builtin_trap();
  if (u->target.find('#') != std::string::npos) __builtin_trap();
  (void)u->origin();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = text.find('\n');
  const std::string_view base = text.substr(0, nl);
  const std::string_view ref = nl == std::string_view::npos ? text : text.substr(nl + 1);
  check(hyped::parse_url(base));
  check(hyped::parse_url(ref));
  const std::string resolved = hyped::resolve_url(base, ref);
  check(hyped::parse_url(resolved));
  // A relative reference against an http(s) base stays on that base's origin.
  if (const auto b = hyped::parse_url(base); b && ref.find(':') == std::string_view::npos && ref.substr(0, 2) != "//" &&
                                             ref.find_first_of("\\") == std::string_view::npos) {
    const auto r = hyped::parse_url(resolved);
    if (r && r->origin() != b->origin()) __builtin_trap();
  }
  const std::string enc = hyped::url_encode(ref);
  if (enc.size() < ref.size() || enc.size() > ref.size() * 3) __builtin_trap();
  return 0;
}
