#include "core/iso8601.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace hyped {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

std::optional<double> parse_iso8601(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  // YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM|±HHMM)
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  const auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    if (ec != std::errc() || end != s.data() + pos + len) return std::nullopt;
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
    return std::nullopt;
  double frac = 0;
  std::size_t i = 19;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    double scale = 0.1;
    ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - start < 9) frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int offset_s = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '-' ? -1 : 1;
      std::string_view tz = s.substr(i + 1);
      std::optional<int> oh, om;
      if (tz.size() == 5 && tz[2] == ':') {
        oh = num(i + 1, 2);
        om = num(i + 4, 2);
      } else if (tz.size() == 4) {
        oh = num(i + 1, 2);
        om = num(i + 3, 2);
      } else if (tz.size() == 2) {
        oh = num(i + 1, 2);
        om = 0;
      }
      if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
      offset_s = sign * (*oh * 3600 + *om * 60);
      i = s.size();
    } else {
      return std::nullopt;
    }
  }
  if (i != s.size()) return std::nullopt;
  const long long days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return static_cast<double>(days * 86400 + *h * 3600 + *mi * 60 + *se - offset_s) + frac;
}

std::string format_iso8601(double epoch_s) {
  if (!std::isfinite(epoch_s)) epoch_s = 0;
  const double whole = std::floor(epoch_s);
  int ms = static_cast<int>(std::lround((epoch_s - whole) * 1000.0));
  auto t = static_cast<std::time_t>(whole);
  if (ms >= 1000) {
    ms -= 1000;
    ++t;
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string format_iso8601(std::chrono::system_clock::time_point t) {
  return format_iso8601(std::chrono::duration<double>(t.time_since_epoch()).count());
}

}  // namespace hyped
