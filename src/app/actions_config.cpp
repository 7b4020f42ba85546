#include "app/actions_config.hpp"

#include <cstdlib>
#include <sstream>

#include "app/config.hpp"

namespace hyped {
namespace {

std::string where(const std::string& file, const toml::node& n, const std::string& dotted) {
  std::ostringstream s;
  s << "'" << dotted << "' in " << file << " (line " << n.source().begin.line << ")";
  return s.str();
}

bool boolean(const toml::node& n, const std::string& w) {
  if (!n.is_boolean()) throw ConfigError(w + " must be true or false");
  return *n.value<bool>();
}

std::string string(const toml::node& n, const std::string& w) {
  if (!n.is_string()) throw ConfigError(w + " must be a string");
  return *n.value<std::string>();
}

double seconds(const toml::node& n, const std::string& w, double lo, double hi) {
  const auto v = n.value<double>();
  if (!v || n.is_boolean() || !(*v >= lo && *v <= hi))
    throw ConfigError(w + " must be a number of seconds in [" + std::to_string(lo).substr(0, 4) + ", " +
                      std::to_string(static_cast<long long>(hi)) + "]");
  return *v;
}

std::chrono::milliseconds ms(double s) { return std::chrono::milliseconds(static_cast<long long>(s * 1000)); }

void read_obs(ObsActionOptions& o, const toml::table& t, const std::string& file) {
  o.enabled = true;
  for (const auto& [key, v] : t) {
    const std::string k(key.str());
    const std::string w = where(file, v, "actions.obs." + k);
    if (k == "enabled")
      o.enabled = boolean(v, w);
    else if (k == "url")
      o.url = string(v, w);
    else if (k == "password")
      o.password = string(v, w);
    else if (k == "save_replay")
      o.save_replay = boolean(v, w);
    else if (k == "start_replay_buffer")
      o.start_replay_buffer = boolean(v, w);
    else if (k == "chapter")
      o.chapter = boolean(v, w);
    else if (k == "save_timeout_s")
      o.save_timeout = ms(seconds(v, w, 1, 600));
    else
      throw ConfigError("unknown key " + w);
  }
  if (o.url.rfind("ws://", 0) != 0)
    throw ConfigError(file + ": actions.obs.url '" + o.url + "' must be a ws:// URL (OBS's websocket server)");
}

void read_twitch(TwitchActionOptions& o, const toml::table& t, const std::string& file) {
  o.enabled = true;
  for (const auto& [key, v] : t) {
    const std::string k(key.str());
    const std::string w = where(file, v, "actions.twitch." + k);
    if (k == "enabled")
      o.enabled = boolean(v, w);
    else if (k == "clip")
      o.clip = boolean(v, w);
    else if (k == "marker")
      o.marker = boolean(v, w);
    else if (k == "broadcaster")
      o.broadcaster = string(v, w);
    else if (k == "api_url")
      o.api_url = string(v, w);
    else if (k == "id_url")
      o.id_url = string(v, w);
    else if (k == "ca_file")
      o.ca_file = string(v, w);
    else if (k == "clip_confirm_timeout_s")
      o.clip_confirm_timeout = ms(seconds(v, w, 1, 600));
    else if (k == "token")
      throw ConfigError(w + ": the token is read from $HYPED_TWITCH_USER_TOKEN only, so configs can be shared");
    else
      throw ConfigError("unknown key " + w);
  }
  for (const std::string* u : {&o.api_url, &o.id_url})
    if (u->rfind("https://", 0) != 0 && u->rfind("http://", 0) != 0)
      throw ConfigError(file + ": actions.twitch: '" + *u + "' must be an http(s) URL");
}

}  // namespace

void read_actions_config(ActionOptions& out, const toml::node& node, const std::string& file) {
  const toml::table* t = node.as_table();
  if (!t) throw ConfigError(where(file, node, "actions") + " must be a table: [actions]");
  for (const auto& [key, v] : *t) {
    const std::string k(key.str());
    const std::string w = where(file, v, "actions." + k);
    if (k == "obs" || k == "twitch") {
      const toml::table* sub = v.as_table();
      if (!sub) throw ConfigError(w + " must be a table: [actions." + k + "]");
      if (k == "obs")
        read_obs(out.obs, *sub, file);
      else
        read_twitch(out.twitch, *sub, file);
    } else if (k == "delay_s") {
      out.delay_s = seconds(v, w, 0, 300);
    } else if (k == "dry_run") {
      out.dry_run = boolean(v, w);
    } else {
      throw ConfigError("unknown key " + w + ": [actions] holds delay_s, dry_run, [actions.obs] and [actions.twitch]");
    }
  }
}

void finish_actions_config(ActionOptions& a) {
  if (a.obs.password.empty())
    if (const char* p = std::getenv("HYPED_OBS_PASSWORD"); p && *p) a.obs.password = p;
  if (a.twitch.enabled) {
    if (const char* t = std::getenv("HYPED_TWITCH_USER_TOKEN"); t && *t) a.twitch.token = t;
    if (a.twitch.token.empty() && !a.dry_run)
      throw ConfigError(
          "[actions.twitch] needs a user access token in $HYPED_TWITCH_USER_TOKEN (scopes clips:edit, "
          "channel:manage:broadcast)");
  }
}

}  // namespace hyped
