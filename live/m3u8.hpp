// HLS playlists (RFC 8216) as hyped follows them: master playlists to pick a rendition from, media
// playlists to fetch segments from, with Twitch's ad markers. The parser never throws: any input gives
// either a playlist or the reason it is not one, with its line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hyped {

struct HlsVariant {
  std::string uri;
  long long bandwidth_bps = 0;
  std::string codecs;      // CODECS="mp4a.40.2"
  std::string video;       // VIDEO group id (Twitch: "audio_only", "chunked", "720p60")
  std::string resolution;  // "1280x720"
  std::string name;        // NAME of the EXT-X-MEDIA of its VIDEO group, when given
  // No video: Twitch's audio_only group, or CODECS naming audio codecs only.
  bool audio_only() const;
};

// An alternative rendition (EXT-X-MEDIA) with its own playlist.
struct HlsRendition {
  std::string type;  // "AUDIO", "VIDEO", "SUBTITLES"
  std::string group_id;
  std::string name;
  std::string uri;  // empty when the rendition is muxed into the variant's segments
};

struct HlsDateRange {
  std::string id;
  std::string cls;  // CLASS; Twitch marks stitched ads with "twitch-stitched-ad"
  std::optional<double> start_epoch_s;
  std::optional<double> end_epoch_s;  // END-DATE, or START-DATE + DURATION
  bool is_twitch_ad() const;
};

struct HlsSegment {
  long long sequence = 0;
  double duration_s = 0;
  std::string title;  // EXTINF title; Twitch titles ad segments "Amazon|…"
  std::string uri;
  bool discontinuity = false;              // EXT-X-DISCONTINUITY before this segment
  long long discontinuity_sequence = 0;    // counts discontinuities, continued from the playlist's tag
  std::optional<double> program_date_s;    // PROGRAM-DATE-TIME as Unix seconds (carried forward)
  std::string map_uri;                     // EXT-X-MAP init section (fMP4), empty for MPEG-TS
  bool encrypted = false;                  // EXT-X-KEY with a METHOD other than NONE
  bool ad = false;                         // Twitch ad: "Amazon" title or inside a stitched-ad date range
};

struct MediaPlaylist {
  double target_duration_s = 0;
  long long media_sequence = 0;
  long long discontinuity_sequence = 0;
  bool ended = false;  // EXT-X-ENDLIST
  std::vector<HlsSegment> segments;
  std::vector<HlsDateRange> date_ranges;
  long long last_sequence() const { return media_sequence + static_cast<long long>(segments.size()) - 1; }
};

struct MasterPlaylist {
  std::vector<HlsVariant> variants;
  std::vector<HlsRendition> renditions;
};

struct M3u8Result {
  bool ok = false;
  bool is_master = false;
  MasterPlaylist master;
  MediaPlaylist media;
  std::string error;  // why the text is not a usable playlist
  int error_line = 0; // 1-based, 0 when not tied to a line
  std::string describe_error() const;  // "line 3: bad #EXTINF duration 'x'"
};

M3u8Result parse_m3u8(std::string_view text);

// The rendition hyped listens to: Twitch's audio_only, else another audio-only variant or audio
// rendition, else the lowest bandwidth. Empty when the master lists nothing.
std::string choose_audio_uri(const MasterPlaylist& master);

}  // namespace hyped
