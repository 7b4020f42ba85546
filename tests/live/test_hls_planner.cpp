#include <doctest/doctest.h>

#include <string>

#include "live/hls_planner.hpp"

using namespace hyped;

namespace {

// A live window of `count` 2 s segments from `first`, dated from a fixed origin.
MediaPlaylist window(long long first, int count, bool ended = false) {
  std::string t = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n";
  t += "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T00:00:00Z\n";
  for (int i = 0; i < count; ++i) t += "#EXTINF:2.0,\nseg" + std::to_string(first + i) + ".ts\n";
  if (ended) t += "#EXT-X-ENDLIST\n";
  auto r = parse_m3u8(t);
  REQUIRE(r.ok);
  // Dates follow the sequence number, as a real stream's do.
  for (auto& s : r.media.segments) s.program_date_s = 1e9 + 2.0 * static_cast<double>(s.sequence);
  return r.media;
}

std::vector<long long> seqs(const HlsPlan& p) {
  std::vector<long long> v;
  for (const auto& s : p.segments) v.push_back(s.segment.sequence);
  return v;
}

}  // namespace

TEST_CASE("a live playlist is joined three segments from its end, and each segment is handed out once") {
  HlsPlaylistPlanner planner;
  CHECK(seqs(planner.next(window(10, 6))) == std::vector<long long>{13, 14, 15});
  const HlsPlan same = planner.next(window(10, 6));
  CHECK(same.segments.empty());
  CHECK_FALSE(same.changed);
  CHECK(seqs(planner.next(window(11, 6))) == std::vector<long long>{16});
  CHECK(seqs(planner.next(window(13, 6))) == std::vector<long long>{17, 18});
  CHECK(planner.next_sequence() == 19);
}

TEST_CASE("a young stream is read from its first segment; a finished one from the start") {
  HlsPlaylistPlanner a;
  CHECK(seqs(a.next(window(0, 2))) == std::vector<long long>{0, 1});
  HlsPlaylistPlanner b;
  const HlsPlan vod = b.next(window(0, 8, true));
  CHECK(vod.segments.size() == 8);
  CHECK(vod.ended);
}

TEST_CASE("segments that fell off the playlist unseen are a gap measured by PROGRAM-DATE-TIME") {
  HlsPlaylistPlanner planner;
  planner.next(window(10, 6));  // 13..15
  const HlsPlan p = planner.next(window(20, 6));  // 16..19 gone
  REQUIRE(p.segments.size() == 6);
  CHECK(p.segments[0].segment.sequence == 20);
  CHECK(p.segments[0].missed_before == 4);
  CHECK(p.segments[0].missed_before_s == doctest::Approx(8.0));
  CHECK(p.segments[1].missed_before == 0);
}

TEST_CASE("a stale copy of an older playlist is ignored; a restarted stream starts again at its edge") {
  HlsPlaylistPlanner planner;
  planner.next(window(100, 6));  // 103..105
  CHECK(planner.next(window(99, 6)).segments.empty());
  const HlsPlan restarted = planner.next(window(0, 5));
  CHECK(seqs(restarted) == std::vector<long long>{2, 3, 4});
  CHECK(restarted.segments[0].new_stream);
}

TEST_CASE("ads are handed out for skipping, in order") {
  auto pl = window(0, 4);
  pl.segments[2].ad = true;
  HlsPlaylistPlanner planner;
  const HlsPlan p = planner.next(pl);
  REQUIRE(p.segments.size() == 3);
  CHECK_FALSE(p.segments[0].skip_ad);
  CHECK(p.segments[1].skip_ad);
  CHECK_FALSE(p.segments[2].skip_ad);
}

TEST_CASE("the end of the playlist is reported once everything listed was handed out") {
  HlsPlaylistPlanner planner;
  planner.next(window(0, 3));
  const HlsPlan last = planner.next(window(1, 3, true));
  CHECK(seqs(last) == std::vector<long long>{3});
  CHECK(last.ended);
}
