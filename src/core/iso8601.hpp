// ISO 8601 date-times in UTC, as HLS playlists, chat logs and the alert API write them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hyped {

// "2026-07-01T00:00:04.000Z", "…T02:00:04+02:00", "…+0200", "…+02" as Unix seconds; nullopt when it
// is not one.
std::optional<double> parse_iso8601(std::string_view s);
// Unix seconds as "2026-07-01T00:00:04.000Z" (rounded to the millisecond).
std::string format_iso8601(double epoch_s);
std::string format_iso8601(std::chrono::system_clock::time_point t);

}  // namespace hyped
