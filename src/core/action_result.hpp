// What acting on one highlight came to: an OBS replay save, a Twitch clip or a stream marker. Plain data
// shared by the actions that produce it and the server and CLI that report it.
#pragma once

#include <optional>
#include <string>

namespace hyped {

enum class ActionKind { ObsReplay, TwitchClip, TwitchMarker };

// "obs_replay", "twitch_clip", "twitch_marker": the `kind` of an action message.
inline const char* to_string(ActionKind k) {
  switch (k) {
    case ActionKind::ObsReplay:
      return "obs_replay";
    case ActionKind::TwitchClip:
      return "twitch_clip";
    case ActionKind::TwitchMarker:
      return "twitch_marker";
  }
  return "unknown";
}

struct ActionResult {
  std::string channel;
  long long highlight_id = 0;
  ActionKind kind = ActionKind::ObsReplay;
  bool ok = false;
  bool dry_run = false;              // nothing was done: --dry-run-actions
  std::string path;                  // obs_replay: the saved file
  std::string clip_id, clip_url;     // twitch_clip
  std::optional<double> position_s;  // twitch_marker: where in the broadcast
  std::string error;                 // why it failed ("not live", "clips disabled", ...)
};

}  // namespace hyped
