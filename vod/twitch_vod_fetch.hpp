// A Twitch VOD (or any finished HLS playlist) fetched while it is analysed: its audio as an AudioSource
// that downloads segments ahead in parallel (bounded) and decodes them in order, and its chat as a feed
// of comment pages fetched on their own thread. Both hold a bounded window, so a 10 h VOD takes as
// little memory as a 10 minute one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "irc/chat_log.hpp"
#include "live/audio_source.hpp"
#include "vod/twitch_vod_api.hpp"

namespace hyped {

struct TwitchVodOptions {
  std::string gql_url = "https://gql.twitch.tv/gql";
  std::string usher_url = "https://usher.ttvnw.net";
  std::string client_id = "kimne78kx3ncx6brgo4mv6wki5h1ko";  // the web player's: playback tokens
  // Comment pages after the first fail Twitch's integrity check when asked with the web player's ID;
  // the chat downloaders in use ask with this other public client's ID.
  std::string chat_client_id = "kd1unb4b3q4t58fwlpcbzcbnm76a8fp";
  std::string ca_file;          // extra CA certificates (PEM)
  int parallel_fetches = 6;     // segment downloads in flight
  int window_segments = 32;     // segments fetched ahead of the decoder, at most
  double segment_give_up_s = 20;  // retrying one segment this long before it is reported as a gap
};

// Resolves a VOD to its audio playlist: a playback token from GQL, usher's master playlist, its
// audio_only rendition (the lowest bandwidth one otherwise). Throws TwitchError with what happened and
// what the user can do (subscriber-only, deleted, refused).
std::string resolve_twitch_vod_playlist(const TwitchVodRef& ref, const TwitchVodOptions& opt);

// A finished HLS media (or master) playlist's audio, at sample_rate_hz mono. A segment that stays
// unavailable is logged as a gap and replaced by its duration of silence, so later audio keeps its
// time. Throws std::runtime_error when the playlist cannot be loaded.
std::unique_ptr<AudioSource> open_hls_vod_audio(const std::string& playlist_url, const TwitchVodOptions& opt,
                                                int sample_rate_hz);

// A VOD's chat, fetched page by page on its own thread, at most `ahead_s` beyond what was asked for.
class VodChatFeed {
 public:
  VodChatFeed(std::string vod_id, const TwitchVodOptions& opt, double ahead_s = 600);
  ~VodChatFeed();
  VodChatFeed(const VodChatFeed&) = delete;
  VodChatFeed& operator=(const VodChatFeed&) = delete;

  // The comments fetched since the last call, once every comment up to t_s is known (or the chat is
  // complete). Throws TwitchError when Twitch refuses the chat or it cannot be fetched.
  std::vector<ChatLogEntry> take_through(double t_s);
  bool complete() const;
  long long pages() const;
  long long malformed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
