#include <doctest/doctest.h>

#include "core/iso8601.hpp"
#include "live/m3u8.hpp"

using namespace hyped;

TEST_CASE("media playlist: sequence numbers, durations, titles, dates carried forward") {
  const auto r = parse_m3u8(
      "#EXTM3U\r\n#EXT-X-VERSION:3\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MEDIA-SEQUENCE:17\r\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T07:52:02.500+0000\r\n#EXTINF:2.005,live\r\na.ts\r\n#EXTINF:1.995,\r\nb.ts\r\n");
  REQUIRE(r.ok);
  CHECK_FALSE(r.is_master);
  CHECK(r.media.target_duration_s == 2.0);
  REQUIRE(r.media.segments.size() == 2);
  CHECK(r.media.segments[0].sequence == 17);
  CHECK(r.media.segments[1].sequence == 18);
  CHECK(r.media.last_sequence() == 18);
  CHECK(r.media.segments[0].title == "live");
  CHECK(r.media.segments[1].uri == "b.ts");
  REQUIRE(r.media.segments[1].program_date_s);
  CHECK(*r.media.segments[1].program_date_s == doctest::Approx(*r.media.segments[0].program_date_s + 2.005));
  CHECK(format_iso8601(*r.media.segments[0].program_date_s) == "2026-11-25T07:52:02.500Z");
  CHECK_FALSE(r.media.ended);
}

TEST_CASE("discontinuities are counted from the playlist's discontinuity sequence") {
  const auto r = parse_m3u8(
      "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-DISCONTINUITY-SEQUENCE:4\n#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY\n"
      "#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n#EXT-X-ENDLIST\n");
  REQUIRE(r.ok);
  CHECK(r.media.ended);
  CHECK(r.media.segments[0].discontinuity_sequence == 4);
  CHECK(r.media.segments[1].discontinuity);
  CHECK(r.media.segments[1].discontinuity_sequence == 5);
  CHECK_FALSE(r.media.segments[2].discontinuity);
  CHECK(r.media.segments[2].discontinuity_sequence == 5);
}

TEST_CASE("Twitch ads: Amazon titles and segments inside a stitched-ad date range") {
  const auto r = parse_m3u8(
      "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
      "#EXT-X-DATERANGE:ID=\"stitched-ad-1\",CLASS=\"twitch-stitched-ad\",START-DATE=\"2026-07-01T00:00:04.000Z\","
      "DURATION=4.000,X-TV-TWITCH-AD-POD-LENGTH=\"2\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-07-01T00:00:00.000Z\n#EXTINF:2.000,live\ns0.ts\n#EXTINF:2.000,live\ns1.ts\n"
      "#EXTINF:2.000,live\nad0.ts\n#EXTINF:2.000,Amazon|123\nad1.ts\n#EXTINF:2.000,live\ns2.ts\n");
  REQUIRE(r.ok);
  REQUIRE(r.media.segments.size() == 5);
  CHECK_FALSE(r.media.segments[0].ad);
  CHECK_FALSE(r.media.segments[1].ad);
  CHECK(r.media.segments[2].ad);  // by date range
  CHECK(r.media.segments[3].ad);  // by title (and date)
  CHECK_FALSE(r.media.segments[4].ad);  // at the range's end: content again
  REQUIRE(r.media.date_ranges.size() == 1);
  CHECK(r.media.date_ranges[0].is_twitch_ad());
}

TEST_CASE("fMP4: EXT-X-MAP applies to the segments after it; keys mark encryption") {
  const auto r = parse_m3u8(
      "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\n#EXTINF:4,\n0.m4s\n"
      "#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:4,\n1.m4s\n");
  REQUIRE(r.ok);
  CHECK(r.media.segments[0].map_uri == "init.mp4");
  CHECK(r.media.segments[1].map_uri == "init.mp4");
  CHECK_FALSE(r.media.segments[0].encrypted);
  CHECK(r.media.segments[1].encrypted);
}

TEST_CASE("master playlist: Twitch's audio_only rendition is chosen, else an audio rendition, else the lowest bandwidth") {
  const auto r = parse_m3u8(
      "#EXTM3U\n#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"chunked\",NAME=\"1080p60 (source)\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,CODECS=\"avc1.64002A,mp4a.40.2\",VIDEO=\"chunked\"\n"
      "chunked.m3u8\n#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"audio_only\",NAME=\"audio_only\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=160000,CODECS=\"mp4a.40.2\",VIDEO=\"audio_only\"\naudio_only.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=100000,CODECS=\"avc1.4D401F,mp4a.40.2\",VIDEO=\"160p\"\n160p.m3u8\n");
  REQUIRE(r.ok);
  REQUIRE(r.is_master);
  CHECK(r.master.variants.size() == 3);
  CHECK(r.master.variants[0].name == "1080p60 (source)");
  CHECK(choose_audio_uri(r.master) == "audio_only.m3u8");

  const auto v = parse_m3u8(
      "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.4d401f,mp4a.40.2\"\nhi.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS=\"avc1.4d401f,mp4a.40.2\"\nlo.m3u8\n");
  REQUIRE(v.ok);
  CHECK(choose_audio_uri(v.master) == "lo.m3u8");
  const auto a = parse_m3u8(
      "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"en\",URI=\"audio/en.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.4d401f,mp4a.40.2\",AUDIO=\"aac\"\nv.m3u8\n");
  REQUIRE(a.ok);
  CHECK(choose_audio_uri(a.master) == "audio/en.m3u8");
}

TEST_CASE("garbage is refused with the reason and the line, never an exception") {
  const auto html = parse_m3u8("<html><body>502 Bad Gateway</body></html>");
  CHECK_FALSE(html.ok);
  CHECK(html.describe_error() == "line 1: not an HLS playlist (no #EXTM3U header)");
  const auto bad = parse_m3u8("#EXTM3U\n#EXTINF:abc,\nx.ts\n");
  CHECK_FALSE(bad.ok);
  CHECK(bad.describe_error() == "line 2: bad #EXTINF duration 'abc'");
  const auto orphan = parse_m3u8("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n");
  CHECK_FALSE(orphan.ok);
  CHECK(orphan.error == "#EXTINF without a segment URI");
  const auto uri = parse_m3u8("#EXTM3U\nstray.ts\n");
  CHECK_FALSE(uri.ok);
  CHECK(uri.error_line == 2);
  CHECK_FALSE(parse_m3u8("").ok);
  CHECK_FALSE(parse_m3u8("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-4\n").ok);
  CHECK_FALSE(parse_m3u8("#EXTM3U\n#EXT-X-TARGETDURATION:nan\n").ok);
  CHECK_FALSE(parse_m3u8("#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n").ok);
  CHECK_FALSE(parse_m3u8("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXTINF:2,\na.ts\n").ok);
  // An empty live playlist (a stream that has just started) is valid.
  const auto empty = parse_m3u8("#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
  CHECK(empty.ok);
  CHECK(empty.media.segments.empty());
}
