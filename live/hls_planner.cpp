#include "live/hls_planner.hpp"

#include <algorithm>

namespace hyped {

void HlsPlaylistPlanner::take(const HlsSegment& s, HlsPlan& plan, long long missed, double missed_s, bool new_stream) {
  PlannedSegment p;
  p.segment = s;
  p.skip_ad = s.ad;
  p.missed_before = missed;
  p.missed_before_s = missed_s;
  p.new_stream = new_stream;
  plan.segments.push_back(std::move(p));
  next_seq_ = s.sequence + 1;
  last_end_date_s_ = s.program_date_s ? std::optional<double>(*s.program_date_s + s.duration_s) : std::nullopt;
}

HlsPlan HlsPlaylistPlanner::next(const MediaPlaylist& pl) {
  HlsPlan plan;
  const auto n = static_cast<long long>(pl.segments.size());
  const auto start_at_edge = [&](bool new_stream) {
    // A finished playlist (VOD, or a stream that ended before we came) is read from its start.
    const long long first = pl.ended ? 0 : std::max(0LL, n - live_edge_);
    for (long long i = first; i < n; ++i) take(pl.segments[static_cast<std::size_t>(i)], plan, 0, 0, new_stream && i == first);
  };
  if (!next_seq_) {
    if (n > 0) start_at_edge(false);
  } else if (n > 0) {
    const long long expected = *next_seq_;
    const long long first = pl.media_sequence;
    const long long last = pl.last_sequence();
    if (last < expected - 1 - std::max<long long>(3, n)) {
      // Far behind what we already have: the encoder restarted and numbering began again. (A playlist
      // a segment or two behind is a stale cache copy and is simply ignored.)
      start_at_edge(true);
    } else if (last >= expected) {
      long long missed = std::max(0LL, first - expected);
      double missed_s = 0;
      for (long long i = std::max(0LL, expected - first); i < n; ++i) {
        const HlsSegment& s = pl.segments[static_cast<std::size_t>(i)];
        if (missed > 0) {
          // Prefer the wall-clock distance the stream itself states; else count target durations.
          if (last_end_date_s_ && s.program_date_s && *s.program_date_s > *last_end_date_s_)
            missed_s = *s.program_date_s - *last_end_date_s_;
          else
            missed_s = static_cast<double>(missed) * pl.target_duration_s;
        }
        take(s, plan, missed, missed_s, false);
        missed = 0;
        missed_s = 0;
      }
    }
  }
  plan.changed = !plan.segments.empty();
  plan.ended = pl.ended && (n == 0 || (next_seq_ && *next_seq_ > pl.last_sequence()));
  return plan;
}

}  // namespace hyped
