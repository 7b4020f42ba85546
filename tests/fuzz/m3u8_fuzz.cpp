// libFuzzer target: the m3u8 parser must answer any bytes with a playlist or a reason, never throw or
// crash; what it accepts must also be safe for the planner, the rendition choice and URL resolution.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/iso8601.hpp"
#include "live/hls_planner.hpp"
#include "live/m3u8.hpp"
#include "live/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const hyped::M3u8Result r = hyped::parse_m3u8(text);
  if (!r.ok) {
    if (r.error.empty()) __builtin_trap();  // a failure always says why
    return 0;
  }
  if (r.is_master) {
    const std::string uri = hyped::choose_audio_uri(r.master);
    (void)hyped::resolve_url("https://usher.example/api/channel/hls/x.m3u8?sig=a&token=b", uri);
    return 0;
  }
  // The same playlist twice, then with its first segment dropped: each segment handed out once.
  hyped::HlsPlaylistPlanner planner;
  std::size_t handed = planner.next(r.media).segments.size();
  handed += planner.next(r.media).segments.size();
  if (handed > r.media.segments.size()) __builtin_trap();
  for (const hyped::HlsSegment& s : r.media.segments) {
    (void)hyped::resolve_url("http://127.0.0.1:8080/live/index.m3u8", s.uri);
    if (s.program_date_s) (void)hyped::format_iso8601(*s.program_date_s);
  }
  return 0;
}
