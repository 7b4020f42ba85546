// Wire format of the alert API: highlight and score events as JSON text, and client requests parsed
// into a result that never throws.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/action_result.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"

namespace hyped {

using WallClock = std::chrono::system_clock;

// Seconds and scores in messages carry three decimals (the API's JSON answers too).
double round3(double v);
// {"type":"highlight","channel":..,"id":..,"time_s":..,"wall_time":"ISO-8601","score":..,"audio_z":..,
//  "chat_z":..,"chat_rate":..,"reasons":[..],"clip":{"start_s":..,"end_s":..}}
std::string highlight_message(const std::string& channel, const Highlight& h, WallClock::time_point wall);
// {"type":"broadcast","channel":..,"state":"live"|"offline","wall_time":..}: a Twitch channel's broadcast
// began (its stream times restart at 0) or ended.
std::string broadcast_message(const std::string& channel, bool live, WallClock::time_point wall);
// {"type":"score","channel":..,"time_s":..,"score":..,"audio_z":..,"chat_z":..,"chat_rate":..,"rms":..}
std::string score_message(const std::string& channel, double time_s, const HopFeatures& f);

// What an action on a highlight came to: {"type":"action","channel":..,"highlight_id":..,"kind":
// "obs_replay|twitch_clip|twitch_marker","ok":..,("dry_run":true,)"path"|"clip_url","clip_id"|"position_s",
// "error"}; the result fields only where they are known.
std::string action_message(const ActionResult& r);

inline constexpr const char* kEveryChannel = "*";

struct Subscription {
  std::set<std::string> channels;  // empty or {"*"}: every channel
  double min_score = 0;
  bool scores = false;
  bool every_channel() const { return channels.empty() || channels.count(kEveryChannel) > 0; }
  bool wants(const std::string& channel) const { return every_channel() || channels.count(channel) > 0; }
};

struct ClientRequest {
  std::optional<Subscription> subscribe;
  std::string error;  // non-empty when the message is not a valid request
};

// {"type":"subscribe","channels":["a","b"],"min_score":3,"scores":false}; "*" among the channels stands
// for every channel (the others are then dropped: channels becomes {"*"}).
ClientRequest parse_client_message(std::string_view text);

// The reason text of a websocket close frame: at most 123 bytes (RFC 6455 section 5.5), cut at a UTF-8
// character boundary. A longer reason would not fit the frame (Beast throws std::length_error).
inline constexpr std::size_t kMaxCloseReasonBytes = 123;
std::string close_reason_text(std::string_view why);

// Greets each websocket client: {"type":"hello","server":"hyped","backend":..,"started":"ISO-8601"}.
// Highlight ids count per channel and server run: `started` tells one run's ids from another's.
std::string hello_message(const std::string& backend, const std::string& started);

// The server's acknowledgement: {"type":"subscribed","channels":[..],"unknown":[..],"min_score":..,"scores":..}
// `unknown`: channels named that the server has had no status or highlight of yet (still subscribed:
// a channel may start later).
std::string subscribed_message(const Subscription& s, const std::vector<std::string>& unknown);

// A reconnecting client's `/ws?since=CHANNEL:ID[,CHANNEL:ID…]`: the newest highlight id it has of each
// channel (0: none yet). Parsed into the ids or a reason; never throws.
struct ResumePoints {
  std::map<std::string, long long> last_id;
  std::string error;  // non-empty when the parameter is malformed
};
ResumePoints parse_resume_points(std::string_view text);

// After the missed highlights: {"type":"resumed","highlights":N,"unavailable":M}; M counts the ones
// asked for that are no longer kept (or too many to queue: /api/highlights?since= still has those kept).
std::string resumed_message(long long sent, long long unavailable);

}  // namespace hyped
