#include "cluster/cluster_wire.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "cluster/cluster_names.hpp"
#include "core/iso8601.hpp"

namespace hyped::cluster {

using nlohmann::json;

namespace {

json parse_object(std::string_view text, const char* what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw std::invalid_argument(std::string(what) + ": not a JSON object");
  return j;
}

template <class T>
T field(const json& j, const char* key, T fallback, const char* what) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::invalid_argument(std::string(what) + ": '" + key + "' has the wrong type");
  }
}

std::string required_string(const json& j, const char* key, const char* what) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw std::invalid_argument(std::string(what) + ": '" + key + "' missing");
  return it->get<std::string>();
}

json loads(const std::map<std::string, ChannelLoad>& m) {
  json out = json::object();
  for (const auto& [name, l] : m) out[name] = {{"media_s", l.media_s}, {"lag_s", l.lag_s}};
  return out;
}

std::map<std::string, ChannelLoad> loads_of(const json& j, const char* key) {
  std::map<std::string, ChannelLoad> out;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return out;
  for (const auto& [name, v] : it->items()) {
    if (!v.is_object()) continue;
    out[name] = {field(v, "media_s", 0.0, "worker"), field(v, "lag_s", 0.0, "worker")};
  }
  return out;
}

}  // namespace

std::string encode_wanted(const WantedChannel& w) {
  json j = json::object();
  if (!w.url.empty()) j["url"] = w.url;
  if (!w.chat.empty()) j["chat"] = w.chat;
  if (w.discovered) j["discovered"] = true;
  return j.dump();
}

WantedChannel decode_wanted(const std::string& name, std::string_view text) {
  const json j = parse_object(text, "wanted channel");
  WantedChannel w;
  w.name = name;
  w.url = field<std::string>(j, "url", "", "wanted channel");
  w.chat = field<std::string>(j, "chat", "", "wanted channel");
  w.discovered = field(j, "discovered", false, "wanted channel");
  return w;
}

std::string chat_channel_of(const WantedChannel& w) {
  if (!w.chat.empty()) return w.chat;
  return w.url.empty() ? w.name : std::string();
}

std::string encode_discovery_lead(const DiscoveryLead& d) {
  json j = {{"worker", d.worker}, {"since_ms", d.since_ms}, {"request", d.request}, {"listings", d.listings},
            {"last_listing_ms", d.last_listing_ms}, {"listed", d.listed}};
  if (!d.last_error.empty()) j["last_error"] = d.last_error;
  return j.dump();
}

DiscoveryLead decode_discovery_lead(std::string_view text) {
  const json j = parse_object(text, "discovery leader");
  DiscoveryLead d;
  d.worker = required_string(j, "worker", "discovery leader");
  d.since_ms = field(j, "since_ms", 0LL, "discovery leader");
  d.request = field<std::string>(j, "request", "", "discovery leader");
  d.listings = field(j, "listings", 0LL, "discovery leader");
  d.last_listing_ms = field(j, "last_listing_ms", 0LL, "discovery leader");
  d.listed = field(j, "listed", 0, "discovery leader");
  d.last_error = field<std::string>(j, "last_error", "", "discovery leader");
  return d;
}

WantedChannel parse_wanted_arg(const std::string& arg) {
  const auto eq = arg.find('=');
  WantedChannel w;
  w.name = arg.substr(0, eq);
  if (eq != std::string::npos) {
    w.url = arg.substr(eq + 1);
    if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0)
      throw std::invalid_argument("'" + arg + "': the URL after '=' must be http:// or https://");
  } else {
    // A Twitch login, in any case, with or without '#'.
    if (!w.name.empty() && w.name.front() == '#') w.name.erase(0, 1);
    for (char& c : w.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!valid_channel_name(w.name))
    throw std::invalid_argument("'" + w.name + "' is not a usable channel name (1-64 of A-Z a-z 0-9 _ -)");
  return w;
}

std::string encode_lease(const Lease& l) {
  json j = {{"worker", l.worker}, {"since_ms", l.since_ms}};
  if (!l.handover_to.empty()) {
    j["handover_to"] = l.handover_to;
    j["ready"] = l.ready;
  }
  return j.dump();
}

Lease decode_lease(std::string_view text) {
  const json j = parse_object(text, "lease");
  Lease l;
  l.worker = required_string(j, "worker", "lease");
  l.handover_to = field<std::string>(j, "handover_to", "", "lease");
  l.ready = field(j, "ready", false, "lease");
  l.since_ms = field(j, "since_ms", 0LL, "lease");
  return l;
}

std::string encode_worker(const WorkerStatus& w) {
  return json{{"worker", w.worker},         {"streams", w.streams},   {"cpu_headroom", w.cpu_headroom},
              {"started_ms", w.started_ms}, {"published", w.published}, {"buffered", w.buffered},
              {"dropped", w.dropped},       {"connected", w.connected}, {"channels", loads(w.channels)},
              {"shadowing", loads(w.shadowing)}}
      .dump();
}

WorkerStatus decode_worker(std::string_view text) {
  const json j = parse_object(text, "worker");
  WorkerStatus w;
  w.worker = required_string(j, "worker", "worker");
  w.streams = field(j, "streams", 0, "worker");
  w.cpu_headroom = field(j, "cpu_headroom", 1.0, "worker");
  w.started_ms = field(j, "started_ms", 0LL, "worker");
  w.published = field(j, "published", 0LL, "worker");
  w.buffered = field(j, "buffered", 0LL, "worker");
  w.dropped = field(j, "dropped", 0LL, "worker");
  w.connected = field(j, "connected", true, "worker");
  w.channels = loads_of(j, "channels");
  w.shadowing = loads_of(j, "shadowing");
  return w;
}

std::string encode_highlight_event(const HighlightEvent& e) {
  const Highlight& h = e.highlight;
  return json{{"type", "highlight"},
              {"channel", e.channel},
              {"id", h.id},
              {"revision", h.revision},
              {"time_s", h.time_s},
              {"wall_time", format_iso8601(e.wall)},
              {"score", h.score},
              {"audio_z", h.audio_z},
              {"chat_z", h.chat_z},
              {"chat_rate", h.chat_rate},
              {"reasons", h.reasons},
              {"clip", {{"start_s", h.start_s}, {"end_s", h.end_s}}},
              {"worker", e.worker}}
      .dump();
}

HighlightEvent decode_highlight_event(std::string_view text) {
  const json j = parse_object(text, "highlight");
  HighlightEvent e;
  e.channel = required_string(j, "channel", "highlight");
  if (!valid_channel_name(e.channel)) throw std::invalid_argument("highlight: bad channel name");
  Highlight& h = e.highlight;
  h.id = field(j, "id", 0, "highlight");
  if (h.id <= 0) throw std::invalid_argument("highlight: 'id' must be positive");
  h.revision = field(j, "revision", 0, "highlight");
  h.time_s = field(j, "time_s", 0.0, "highlight");
  h.score = field(j, "score", 0.0f, "highlight");
  h.audio_z = field(j, "audio_z", 0.0f, "highlight");
  h.chat_z = field(j, "chat_z", 0.0f, "highlight");
  h.chat_rate = field(j, "chat_rate", 0.0f, "highlight");
  h.reasons = field(j, "reasons", std::vector<std::string>{}, "highlight");
  const json clip = field(j, "clip", json::object(), "highlight");
  h.start_s = field(clip, "start_s", h.time_s, "highlight");
  h.end_s = field(clip, "end_s", h.time_s, "highlight");
  const auto wall = parse_iso8601(field<std::string>(j, "wall_time", "", "highlight"));
  if (!wall) throw std::invalid_argument("highlight: 'wall_time' is not an ISO-8601 time");
  e.wall = WallClock::time_point(std::chrono::round<std::chrono::milliseconds>(std::chrono::duration<double>(*wall)));
  e.worker = field<std::string>(j, "worker", "", "highlight");
  return e;
}

std::string encode_action_event(const ActionResult& r) {
  json j = {{"type", "action"}, {"channel", r.channel}, {"highlight_id", r.highlight_id}, {"kind", to_string(r.kind)},
            {"ok", r.ok}};
  if (r.dry_run) j["dry_run"] = true;
  if (!r.path.empty()) j["path"] = r.path;
  if (!r.clip_id.empty()) j["clip_id"] = r.clip_id;
  if (!r.clip_url.empty()) j["clip_url"] = r.clip_url;
  if (r.position_s) j["position_s"] = *r.position_s;
  if (!r.error.empty()) j["error"] = r.error;
  return j.dump();
}

ActionResult decode_action_event(std::string_view text) {
  const json j = parse_object(text, "action");
  ActionResult r;
  r.channel = required_string(j, "channel", "action");
  r.highlight_id = field(j, "highlight_id", 0LL, "action");
  const std::string kind = required_string(j, "kind", "action");
  bool known = false;
  for (ActionKind k : {ActionKind::ObsReplay, ActionKind::TwitchClip, ActionKind::TwitchMarker})
    if (kind == to_string(k)) {
      r.kind = k;
      known = true;
    }
  if (!known) throw std::invalid_argument("action: unknown kind '" + kind + "'");
  r.ok = field(j, "ok", false, "action");
  r.dry_run = field(j, "dry_run", false, "action");
  r.path = field<std::string>(j, "path", "", "action");
  r.clip_id = field<std::string>(j, "clip_id", "", "action");
  r.clip_url = field<std::string>(j, "clip_url", "", "action");
  if (j.contains("position_s")) r.position_s = field(j, "position_s", 0.0, "action");
  r.error = field<std::string>(j, "error", "", "action");
  return r;
}

WallClock::time_point clip_start_wall(const Highlight& h, WallClock::time_point wall) {
  return wall - std::chrono::duration_cast<WallClock::duration>(std::chrono::duration<double>(h.time_s - h.start_s));
}

}  // namespace hyped::cluster
