// "Fetching": follows one HLS stream. Reloads the media playlist at the target duration's pace, asks
// the planner what is new, fetches each segment once (retries with backoff on 5xx, timeouts and brief
// 404s; a fresh token on 403), decodes it and hands the audio on with its stream and wall time.
// Runs as a coroutine on a shared io_context, so one thread follows many streams.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "live/http_client.hpp"

namespace hyped {

// Decoded audio of one segment, at the detector's rate, with its place in time.
struct LiveAudio {
  std::span<const float> samples;
  double stream_s = 0;   // stream time of the first sample: seconds since following began, gaps included
  double wall_s = 0;     // Unix time of the first sample (PROGRAM-DATE-TIME, else when it was listed)
  bool joined = false;   // not contiguous with the previous audio (start, gap, ad break, discontinuity)
};

struct HlsFollowerOptions {
  std::string label;              // channel name in logs
  std::string url;                // master or media playlist
  int sample_rate_hz = 16000;
  int live_edge_segments = 3;
  double playlist_give_up_s = 60;   // keep retrying a failing playlist this long before giving up
  double first_load_give_up_s = 15; // … and this long when it has never loaded
  double stall_warn_targets = 3;  // warn when nothing new appears for this many target durations
  HttpOptions http;
  // Called on 403 (and on 404 once the stream has played) for a fresh media playlist URL (a new token);
  // returns "" when the stream is over (the channel went offline), throws when it cannot tell.
  std::function<boost::asio::awaitable<std::string>()> renew_url;
};

struct HlsFollowerStats {
  long long playlists = 0, segments = 0, bytes = 0, retries = 0;
  long long gaps = 0, ad_segments = 0, decode_errors = 0, stalls = 0, token_renewals = 0;
  long long requests = 0, connections = 0;  // HTTP requests sent, over this many connections (keep-alive)
  double gap_s = 0, ad_s = 0, audio_s = 0;
};

class HlsFollower {
 public:
  HlsFollower(boost::asio::any_io_executor executor, std::shared_ptr<TlsTrust> trust, HlsFollowerOptions options);
  ~HlsFollower();

  std::function<void(const LiveAudio&)> on_audio;

  // Follows until ENDLIST, stop(), or a failure. Returns "" after a clean end, else the error (one line).
  boost::asio::awaitable<std::string> run();
  // Ends run() at its next step (safe from the executor's thread only; post() it from elsewhere).
  void stop();
  HlsFollowerStats stats() const;
  const std::string& media_url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
