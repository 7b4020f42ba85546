// Settings of the actions taken on each highlight ([actions], [actions.obs], [actions.twitch]).
#pragma once

#include <chrono>
#include <string>

namespace hyped {

struct ObsActionOptions {
  bool enabled = false;  // [actions.obs] present
  std::string url = "ws://127.0.0.1:4455";
  std::string password;  // or $HYPED_OBS_PASSWORD
  bool save_replay = true;
  bool start_replay_buffer = true;  // start the replay buffer when it is not running
  bool chapter = true;              // CreateRecordChapter where OBS offers it (OBS >= 30.2)
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds save_timeout{20000};  // SaveReplayBuffer to its ReplayBufferSaved event
  std::chrono::milliseconds reconnect_min{500}, reconnect_max{10000};
};

struct TwitchActionOptions {
  bool enabled = false;     // [actions.twitch] present
  std::string token;        // user access token; from $HYPED_TWITCH_USER_TOKEN
  std::string broadcaster;  // login to act on; empty: the highlight's channel
  bool clip = true;
  bool marker = true;
  std::string api_url = "https://api.twitch.tv";
  std::string id_url = "https://id.twitch.tv";
  std::string ca_file;
  std::chrono::milliseconds clip_confirm_timeout{15000};
  std::chrono::milliseconds clip_poll_interval{1000};
  std::chrono::seconds validate_interval{3600};
  int attempts = 4;  // per request, for 5xx and transport failures
  std::chrono::milliseconds backoff{500};
};

struct ActionOptions {
  ObsActionOptions obs;
  TwitchActionOptions twitch;
  double delay_s = 0;            // wait this long after a highlight fires, so the save covers what follows
  bool dry_run = false;          // log what would be done, do nothing
  std::size_t queue_limit = 64;  // highlights waiting; beyond it the oldest are dropped and counted
  bool any() const { return obs.enabled || twitch.enabled; }
};

}  // namespace hyped
