// LiveSession, the pipeline behind `hyped live`: ingest threads (one Asio context each, the streams dealt
// out over them: each stream's playlist follower, HTTP client and segment decoder) → a bounded lock-free
// queue of fixed-size audio chunks (a full queue drops the oldest chunk and counts it) → one detector
// thread that runs every channel through one MultiStreamDetector (running z-scores, trailing chat box;
// on CUDA, all channels in one launch per tick) and calls on_highlight. Chat and alert outputs attach here:
// add_chat() from any thread, on_highlight / on_hop on the detector thread.
//
// The followed set may change while run() runs: add_twitch_channel, add_url and remove_channel are the
// whole API for that, safe from any thread (`hyped live --top` discovery and a cluster worker's channel
// leases call them from their own threads). A channel that leaves stops its ingest, has its last whole
// hops scored and its last highlight sent, and frees its state and backend channel for the next.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"
#include "gpu/backend.hpp"

namespace hyped {

// A highlight of a live stream: times are stream times (seconds since following began, gaps included).
struct LiveHighlight {
  std::string channel;
  Highlight highlight;
  std::chrono::system_clock::time_point wall_time;  // when the moment happened (PROGRAM-DATE-TIME based)
};

struct LiveSessionOptions {
  DetectorParams detector;              // running mode, trailing chat box (forced)
  BackendKind backend = BackendKind::Auto;  // one backend for every channel
  std::string record_dir;               // decoded audio per channel as float WAV, replayable
  std::string ca_file;
  std::string gql_url, usher_url, client_id;
  bool handle_signals = true;           // SIGINT/SIGTERM end the session cleanly
  std::size_t queue_chunks = 0;         // 0: 64 per channel (~32 s of audio each)
  std::map<std::string, double> target_per_hour;  // by channel name: fusion.target_per_hour overrides
  // A Twitch channel that is offline (at start, or when its broadcast ends) is waited for: usher is
  // asked again every offline_poll_s, backing off to 4× that after ten minutes. exit_when_offline:
  // an offline channel ends its following instead (at start with an error).
  bool exit_when_offline = false;
  double offline_poll_s = 30;
  // Threads that fetch and decode the streams, each with its own Asio context; 0: the cores less two
  // (the detector's and the alert server's), at least one.
  int ingest_threads = 0;
  // run() goes on with no channel followed, until stop(): for sessions whose channels are added while it
  // runs. Otherwise it returns once every channel it followed has ended (and refuses to start empty).
  bool wait_for_channels = false;
};

struct LiveChannelReport {
  std::string channel;
  std::string error;  // empty: ended cleanly (ENDLIST or stopped)
  double audio_s = 0, gap_s = 0, ad_s = 0;
  long long segments = 0, gaps = 0, ad_segments = 0, retries = 0, stalls = 0, highlights = 0;
  long long requests = 0, connections = 0;
};

class LiveSession {
 public:
  explicit LiveSession(LiveSessionOptions opt);
  ~LiveSession();

  // Any thread, before or during run(): follow a Twitch channel (resolved through GQL and usher; the
  // name is its normalized login) or an HLS URL under a name. False when that name is followed already.
  // Throws std::invalid_argument on an impossible login or URL.
  bool add_twitch_channel(const std::string& login);
  bool add_url(const std::string& name, const std::string& url);
  // Any thread: stop following `name` (a login as given to add_twitch_channel, or a URL's name). Its
  // ingest stops at once; on the detector thread its last hops are scored, its last highlight goes to
  // on_highlight, then on_channel(name, false); its state is freed. False when it is not followed.
  bool remove_channel(const std::string& name);
  // Any thread: the names followed now.
  std::vector<std::string> channels() const;

  // Detector thread. Set before run().
  std::function<void(const LiveHighlight&)> on_highlight;
  std::function<void(const std::string& channel, double stream_time_s, const HopFeatures&)> on_hop;
  // Each backend tick's duration in milliseconds (a tick serves every channel with audio waiting).
  std::function<void(double latency_ms)> on_tick;
  // Ingest thread: a Twitch channel's broadcast started (live = true; stream times restart at 0) or
  // ended (live = false), at `when`.
  std::function<void(const std::string& channel, bool live, std::chrono::system_clock::time_point when)> on_broadcast;
  // A channel joined the followed set (called by run() for those added before it, then by the adding
  // thread) or left it (detector thread, after its last highlight: removed, or its following ended).
  // Where chat and the alert server learn of the set. Set before run().
  std::function<void(const std::string& channel, bool followed)> on_channel;
  // Once run() has chosen the backend: its name ("cpu" or "cuda").
  std::function<void(const std::string& backend)> on_backend;

  // Any thread, any time: one chat message (weight 1 + emotes/keywords) for `channel`, at stream time
  // t_s, or at a wall-clock time (an IRC tmi-sent-ts), mapped through the stream's PROGRAM-DATE-TIME.
  void add_chat(const std::string& channel, double t_s, float weight = 1.0f);
  void add_chat_at(const std::string& channel, std::chrono::system_clock::time_point when, float weight = 1.0f);

  // Follows every stream until all end or stop() (with wait_for_channels: until stop()); returns one
  // report per channel followed, removed ones included, in the order they were added.
  std::vector<LiveChannelReport> run();
  // Any thread.
  void stop();
  long long dropped_chunks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyped
