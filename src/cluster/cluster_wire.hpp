// What the cluster writes into NATS, as JSON: the wanted channels, leases, worker loads, and the
// highlight and action events of the stream. Decoding never trusts its input: a malformed value is
// std::invalid_argument with the reason (pure).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "core/action_result.hpp"
#include "core/highlight.hpp"

namespace hyped::cluster {

using WallClock = std::chrono::system_clock;

// Now as Unix milliseconds: the time every worker writes into the shared state.
inline long long unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now().time_since_epoch()).count();
}

// A channel the cluster should follow: a Twitch login (url empty: the name is the login) or an HLS URL.
// Its chat: `chat` when set, else the login's own (a URL has none). `discovered`: written by the
// discovery leader (`--top`), which removes it again once it leaves the listing; entries an operator
// added (`hyped cluster add`, and those written before the flag existed) are never touched by discovery.
struct WantedChannel {
  std::string name;
  std::string url;
  std::string chat;
  bool discovered = false;
};
std::string encode_wanted(const WantedChannel& w);
WantedChannel decode_wanted(const std::string& name, std::string_view json);
// "login" or "name=https://…/index.m3u8", as `hyped cluster add` takes it. Throws std::invalid_argument.
WantedChannel parse_wanted_arg(const std::string& arg);
// The Twitch chat a worker follows for a wanted channel; empty: none.
std::string chat_channel_of(const WantedChannel& w);

// The discovery leader's key: which worker lists the top channels and writes them into the wanted set,
// and how its listing goes (for `hyped cluster status`).
struct DiscoveryLead {
  std::string worker;
  long long since_ms = 0;         // Unix ms when it became the leader
  std::string request;            // what it lists, e.g. "top 20, game 509658, language en"
  long long listings = 0;         // successful listings since it became the leader
  long long last_listing_ms = 0;  // 0: none yet
  int listed = 0;                 // channels in its last listing
  std::string last_error;         // of its last listing; empty when it went through
};
std::string encode_discovery_lead(const DiscoveryLead& d);
DiscoveryLead decode_discovery_lead(std::string_view json);

// Who follows a channel. A hand-over names the worker taking it; `ready` once that worker's detector has
// warmed up on it; the holder then writes the lease over to it.
struct Lease {
  std::string worker;
  std::string handover_to;
  bool ready = false;
  long long since_ms = 0;  // Unix ms when this worker took the channel
};
std::string encode_lease(const Lease& l);
Lease decode_lease(std::string_view json);

struct ChannelLoad {
  double media_s = 0;  // newest stream time the detector reached
  double lag_s = 0;    // how far detection trails the wall clock
};
// A worker's heartbeat: its load and its publisher's counters.
struct WorkerStatus {
  std::string worker;
  int streams = 0;
  double cpu_headroom = 1.0;  // share of the machine's CPU left idle, 0..1
  long long started_ms = 0;
  long long published = 0, buffered = 0, dropped = 0;
  bool connected = true;
  std::map<std::string, ChannelLoad> channels;  // followed and published
  std::map<std::string, ChannelLoad> shadowing;  // warming up for a hand-over
};
std::string encode_worker(const WorkerStatus& w);
WorkerStatus decode_worker(std::string_view json);

// A highlight as the stream carries it: the alert API's highlight fields plus the worker that found it.
struct HighlightEvent {
  std::string channel;
  Highlight highlight;
  WallClock::time_point wall;
  std::string worker;
};
std::string encode_highlight_event(const HighlightEvent& e);
HighlightEvent decode_highlight_event(std::string_view json);

std::string encode_action_event(const ActionResult& r);
ActionResult decode_action_event(std::string_view json);

// The wall-clock start of a highlight's clip: its wall time less the stretch from clip start to its time.
WallClock::time_point clip_start_wall(const Highlight& h, WallClock::time_point wall);

}  // namespace hyped::cluster
