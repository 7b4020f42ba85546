#include "live/m3u8.hpp"

#include "core/iso8601.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace hyped {
namespace {

constexpr long long kMaxSequence = 1LL << 53;
constexpr double kMaxDuration = 1e7;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<long long> to_int(std::string_view s) {
  s = trim(s);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0 || v > kMaxSequence) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < 0 || v > kMaxDuration)
    return std::nullopt;
  return v;
}

std::string quote(std::string_view s) {
  std::string out = "'";
  for (const char c : s.substr(0, 60)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 60) out += "...";
  return out + "'";
}

// Attribute lists (RFC 8216 4.2): KEY=VALUE pairs separated by commas; values may be quoted strings
// that contain commas. Malformed pairs are skipped: attributes are hints here, not structure.
std::vector<std::pair<std::string_view, std::string_view>> parse_attributes(std::string_view s) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    const std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string_view key = trim(s.substr(i, eq - i));
    std::size_t v = eq + 1;
    std::string_view value;
    if (v < s.size() && s[v] == '"') {
      const std::size_t close = s.find('"', v + 1);
      if (close == std::string_view::npos) {
        value = s.substr(v + 1);
        i = s.size();
      } else {
        value = s.substr(v + 1, close - v - 1);
        i = close + 1;
      }
    } else {
      const std::size_t comma = std::min(s.find(',', v), s.size());
      value = trim(s.substr(v, comma - v));
      i = comma;
    }
    if (!key.empty()) out.emplace_back(key, value);
  }
  return out;
}

std::string_view attr(const std::vector<std::pair<std::string_view, std::string_view>>& a, std::string_view key) {
  for (const auto& [k, v] : a)
    if (k == key) return v;
  return {};
}


struct LineError {
  std::string what;
};

}  // namespace

bool HlsVariant::audio_only() const {
  if (video == "audio_only" || name == "audio_only") return true;
  if (codecs.empty()) return false;
  for (const char* v : {"avc", "hvc", "hev", "vp0", "vp8", "vp9", "av01", "dvh", "mp4v"})
    if (codecs.find(v) != std::string::npos) return false;
  return true;
}

bool HlsDateRange::is_twitch_ad() const { return cls == "twitch-stitched-ad" || starts_with(id, "stitched-ad-"); }

std::string M3u8Result::describe_error() const {
  return error_line > 0 ? "line " + std::to_string(error_line) + ": " + error : error;
}

M3u8Result parse_m3u8(std::string_view text) {
  M3u8Result r;
  if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' ')) text.remove_prefix(1);
  if (!starts_with(text, "#EXTM3U")) {
    r.error = "not an HLS playlist (no #EXTM3U header)";
    r.error_line = 1;
    return r;
  }
  MediaPlaylist& media = r.media;
  MasterPlaylist& master = r.master;
  bool seen_media_tag = false, seen_master_tag = false;
  bool have_target = false;
  // State that applies to the next segment URI.
  double pending_duration_s = 0;
  bool have_pending_duration = false;
  std::string pending_title;
  bool pending_discontinuity = false;
  std::optional<double> pending_date;
  std::string map_uri;
  bool encrypted = false;
  std::optional<HlsVariant> pending_variant;
  int line_no = 0;
  int extinf_line = 0;
  long long discontinuities = 0;

  const auto fail = [&](int line, std::string what) {
    M3u8Result e;
    e.error = std::move(what);
    e.error_line = line;
    return e;
  };

  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line[0] != '#') {
      // A URI line: a segment after EXTINF, or a variant after STREAM-INF.
      if (pending_variant) {
        pending_variant->uri = std::string(line);
        master.variants.push_back(std::move(*pending_variant));
        pending_variant.reset();
      } else if (have_pending_duration) {
        HlsSegment seg;
        seg.sequence = media.media_sequence + static_cast<long long>(media.segments.size());
        seg.duration_s = pending_duration_s;
        seg.title = std::move(pending_title);
        seg.uri = std::string(line);
        seg.discontinuity = pending_discontinuity;
        seg.discontinuity_sequence = media.discontinuity_sequence + discontinuities;
        if (pending_date) {
          seg.program_date_s = pending_date;
        } else if (!media.segments.empty() && media.segments.back().program_date_s) {
          const HlsSegment& prev = media.segments.back();
          seg.program_date_s = *prev.program_date_s + prev.duration_s;  // carried forward
        }
        seg.map_uri = map_uri;
        seg.encrypted = encrypted;
        media.segments.push_back(std::move(seg));
        have_pending_duration = false;
        pending_title.clear();
        pending_discontinuity = false;
        pending_date.reset();
      } else {
        return fail(line_no, "URI " + quote(line) + " without a preceding #EXTINF or #EXT-X-STREAM-INF");
      }
      continue;
    }
    if (!starts_with(line, "#EXT")) continue;  // comment
    const std::size_t colon = line.find(':');
    const std::string_view tag = line.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);

    if (tag == "#EXTINF") {
      seen_media_tag = true;
      const std::size_t comma = value.find(',');
      const auto d = to_double(value.substr(0, comma));
      if (!d) return fail(line_no, "bad #EXTINF duration " + quote(value.substr(0, comma)));
      if (have_pending_duration) return fail(extinf_line, "#EXTINF without a segment URI");
      pending_duration_s = *d;
      have_pending_duration = true;
      extinf_line = line_no;
      pending_title = comma == std::string_view::npos ? std::string() : std::string(trim(value.substr(comma + 1)));
    } else if (tag == "#EXT-X-TARGETDURATION") {
      seen_media_tag = true;
      const auto d = to_double(value);
      if (!d || *d <= 0) return fail(line_no, "bad #EXT-X-TARGETDURATION " + quote(value));
      media.target_duration_s = *d;
      have_target = true;
    } else if (tag == "#EXT-X-MEDIA-SEQUENCE") {
      seen_media_tag = true;
      const auto v = to_int(value);
      if (!v) return fail(line_no, "bad #EXT-X-MEDIA-SEQUENCE " + quote(value));
      if (!media.segments.empty()) return fail(line_no, "#EXT-X-MEDIA-SEQUENCE after the first segment");
      media.media_sequence = *v;
    } else if (tag == "#EXT-X-DISCONTINUITY-SEQUENCE") {
      seen_media_tag = true;
      const auto v = to_int(value);
      if (!v) return fail(line_no, "bad #EXT-X-DISCONTINUITY-SEQUENCE " + quote(value));
      if (!media.segments.empty()) return fail(line_no, "#EXT-X-DISCONTINUITY-SEQUENCE after the first segment");
      media.discontinuity_sequence = *v;
    } else if (tag == "#EXT-X-DISCONTINUITY") {
      seen_media_tag = true;
      pending_discontinuity = true;
      if (!media.segments.empty() || have_pending_duration) ++discontinuities;
    } else if (tag == "#EXT-X-PROGRAM-DATE-TIME") {
      const auto t = parse_iso8601(value);
      if (!t) return fail(line_no, "bad #EXT-X-PROGRAM-DATE-TIME " + quote(value));
      pending_date = t;
    } else if (tag == "#EXT-X-ENDLIST") {
      seen_media_tag = true;
      media.ended = true;
    } else if (tag == "#EXT-X-MAP") {
      const auto a = parse_attributes(value);
      const std::string_view uri = attr(a, "URI");
      if (uri.empty()) return fail(line_no, "#EXT-X-MAP without URI");
      map_uri = std::string(uri);
    } else if (tag == "#EXT-X-KEY") {
      const auto a = parse_attributes(value);
      encrypted = attr(a, "METHOD") != "NONE";
    } else if (tag == "#EXT-X-DATERANGE") {
      const auto a = parse_attributes(value);
      HlsDateRange dr;
      dr.id = std::string(attr(a, "ID"));
      dr.cls = std::string(attr(a, "CLASS"));
      dr.start_epoch_s = parse_iso8601(attr(a, "START-DATE"));
      if (const auto end = parse_iso8601(attr(a, "END-DATE"))) {
        dr.end_epoch_s = end;
      } else if (const auto dur = to_double(attr(a, "DURATION")); dur && dr.start_epoch_s) {
        dr.end_epoch_s = *dr.start_epoch_s + *dur;
      } else if (const auto planned = to_double(attr(a, "PLANNED-DURATION")); planned && dr.start_epoch_s) {
        dr.end_epoch_s = *dr.start_epoch_s + *planned;
      }
      media.date_ranges.push_back(std::move(dr));
    } else if (tag == "#EXT-X-STREAM-INF") {
      seen_master_tag = true;
      const auto a = parse_attributes(value);
      HlsVariant v;
      if (const auto bw = to_int(attr(a, "BANDWIDTH"))) v.bandwidth_bps = *bw;
      v.codecs = std::string(attr(a, "CODECS"));
      v.video = std::string(attr(a, "VIDEO"));
      v.resolution = std::string(attr(a, "RESOLUTION"));
      pending_variant = std::move(v);
    } else if (tag == "#EXT-X-MEDIA") {
      seen_master_tag = true;
      const auto a = parse_attributes(value);
      master.renditions.push_back({std::string(attr(a, "TYPE")), std::string(attr(a, "GROUP-ID")),
                                   std::string(attr(a, "NAME")), std::string(attr(a, "URI"))});
    }
    // Other tags (VERSION, INDEPENDENT-SEGMENTS, Twitch's X-TWITCH-*) carry nothing hyped needs.
  }
  if (seen_master_tag && seen_media_tag) return fail(0, "playlist mixes master and media tags");
  if (pending_variant) return fail(line_no, "#EXT-X-STREAM-INF without a variant URI");
  if (have_pending_duration) return fail(extinf_line, "#EXTINF without a segment URI");

  if (seen_master_tag) {
    if (master.variants.empty() &&
        std::none_of(master.renditions.begin(), master.renditions.end(), [](const HlsRendition& x) { return !x.uri.empty(); }))
      return fail(0, "master playlist lists no variants");
    for (HlsVariant& v : master.variants)
      for (const HlsRendition& m : master.renditions)
        if (m.type == "VIDEO" && !v.video.empty() && m.group_id == v.video) v.name = m.name;
    r.is_master = true;
    r.ok = true;
    return r;
  }
  if (!have_target) {
    // RFC 8216 requires it; players cope without it by taking the longest segment.
    double longest = 0;
    for (const HlsSegment& s : media.segments) longest = std::max(longest, s.duration_s);
    media.target_duration_s = longest > 0 ? std::ceil(longest) : 6.0;
  }
  for (HlsSegment& s : media.segments) {
    if (starts_with(s.title, "Amazon")) s.ad = true;
    if (!s.ad && s.program_date_s)
      for (const HlsDateRange& dr : media.date_ranges)
        if (dr.is_twitch_ad() && dr.start_epoch_s && *s.program_date_s >= *dr.start_epoch_s - 1e-3 &&
            (!dr.end_epoch_s || *s.program_date_s < *dr.end_epoch_s - 1e-3))
          s.ad = true;
  }
  r.ok = true;
  return r;
}

std::string choose_audio_uri(const MasterPlaylist& master) {
  const HlsVariant* best = nullptr;
  for (const HlsVariant& v : master.variants)
    if (v.audio_only() && (!best || v.bandwidth_bps < best->bandwidth_bps)) best = &v;
  if (best) return best->uri;
  for (const HlsRendition& m : master.renditions)
    if (m.type == "AUDIO" && !m.uri.empty()) return m.uri;
  for (const HlsVariant& v : master.variants)
    if (!best || v.bandwidth_bps < best->bandwidth_bps) best = &v;
  return best ? best->uri : std::string();
}

}  // namespace hyped
