// "What to fetch": a pure function of the successive media playlists a follower loads. It hands out
// every new segment exactly once, in order, flags ads, and notices segments that fell off the playlist
// before they were seen (a gap in stream time) and streams that restarted. The fetching is elsewhere.
#pragma once

#include <optional>
#include <vector>

#include "live/m3u8.hpp"

namespace hyped {

struct PlannedSegment {
  HlsSegment segment;
  bool skip_ad = false;              // a Twitch ad: not fetched, its time reported
  long long missed_before = 0;       // segments that fell off the playlist just before this one
  double missed_before_s = 0;        // their estimated duration
  bool new_stream = false;           // media sequence went backwards: treat as a discontinuity
};

struct HlsPlan {
  std::vector<PlannedSegment> segments;  // new since the previous playlist, oldest first
  bool changed = false;                  // whether the playlist listed anything new
  bool ended = false;                    // EXT-X-ENDLIST and nothing left to fetch
};

class HlsPlaylistPlanner {
 public:
  // A live playlist is joined this many segments from its end (players start near the live edge).
  explicit HlsPlaylistPlanner(int live_edge_segments = 3) : live_edge_(live_edge_segments) {}
  HlsPlan next(const MediaPlaylist& playlist);
  // Sequence number of the next segment expected (nullopt before the first playlist).
  std::optional<long long> next_sequence() const { return next_seq_; }

 private:
  void take(const HlsSegment& s, HlsPlan& plan, long long missed, double missed_s, bool new_stream);

  int live_edge_;
  std::optional<long long> next_seq_;
  std::optional<double> last_end_date_s_;  // PROGRAM-DATE-TIME at the end of the last segment handed out
};

}  // namespace hyped
