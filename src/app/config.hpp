// hyped.toml: every key maps onto one setting; unknown keys and wrong types are errors naming the key.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "actions/action_options.hpp"
#include "cluster/cluster_options.hpp"
#include "core/detector_params.hpp"
#include "discovery/channel_discovery.hpp"
#include "irc/chat_weights.hpp"
#include "irc/twitch_client.hpp"
#include "server/alert_server.hpp"

namespace hyped {

struct ExportOptions {
  double edl_fps = 30.0;  // CMX3600 timecode rate
};

// Chat settings beyond the detector's (keyword and event weights, the replay box, live hop closing).
struct ChatOptions {
  std::string box = "centred";  // replay's chat box: "centred" (seed) or "trailing" (as live; recorded sessions)
  double event_weight = 1.0;
  std::vector<std::pair<std::string, double>> keywords;
  double close_delay_s = 1.0;  // live: a hop's chat is counted this long after the hop ends
};

struct AppConfig {
  DetectorParams detector;
  ExportOptions exports;
  ChatOptions chat;
  IrcClientOptions irc;
  ServerOptions server;  // address/port come from --serve; the token may come from $HYPED_TOKEN
  ActionOptions actions;  // [actions]: OBS replay saves, Twitch clips and markers per highlight
  cluster::ClusterOptions cluster;  // [cluster]: workers and alert servers sharing channels through NATS
  DiscoveryOptions discovery;  // [discovery]: `hyped live --top`; the secret from $HYPED_TWITCH_CLIENT_SECRET
  // [channel.NAME] target_per_hour: per-channel rates for `hyped live` (the key is the channel's name
  // as followed: a Twitch login, or the URL given with --url).
  std::map<std::string, double> channel_target_per_hour;
};

// A bad configuration file or value (exit code 2).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

AppConfig default_config();
// Reads the file over the defaults. Throws ConfigError.
AppConfig load_config(const std::string& path);
AppConfig parse_config(const std::string& toml_text, const std::string& name);

// The weight of one chat entry as configured (chat.emote_weight, chat.event_weight, chat.keywords).
ChatWeights chat_weights(const AppConfig& c);

// "section.key" of every setting the file may hold.
std::vector<std::string> config_keys();

}  // namespace hyped
