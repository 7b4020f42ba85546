#include "server/messages.hpp"

#include "core/iso8601.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace hyped {
namespace {
using nlohmann::ordered_json;
double r4(double v) { return std::round(v * 10000.0) / 10000.0; }
}  // namespace

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string highlight_message(const std::string& channel, const Highlight& h, WallClock::time_point wall) {
  ordered_json j = {{"type", "highlight"},
                    {"channel", channel},
                    {"id", h.id},
                    {"revision", h.revision},
                    {"time_s", round3(h.time_s)},
                    {"wall_time", format_iso8601(wall)},
                    {"score", r4(h.score)},
                    {"audio_z", r4(h.audio_z)},
                    {"chat_z", r4(h.chat_z)},
                    {"chat_rate", round3(h.chat_rate)},
                    {"reasons", h.reasons},
                    {"clip", {{"start_s", round3(h.start_s)}, {"end_s", round3(h.end_s)}}}};
  return j.dump();
}

std::string broadcast_message(const std::string& channel, bool live, WallClock::time_point wall) {
  const ordered_json j = {{"type", "broadcast"},
                          {"channel", channel},
                          {"state", live ? "live" : "offline"},
                          {"wall_time", format_iso8601(wall)}};
  return j.dump();
}

std::string score_message(const std::string& channel, double time_s, const HopFeatures& f) {
  ordered_json j = {{"type", "score"},          {"channel", channel},      {"time_s", round3(time_s)},
                    {"score", r4(f.score)},     {"audio_z", r4(f.z_audio)}, {"chat_z", r4(f.z_chat)},
                    {"chat_rate", round3(f.chat_rate)}, {"rms", f.rms}};
  return j.dump();
}

std::string action_message(const ActionResult& r) {
  ordered_json j = {{"type", "action"},
                    {"channel", r.channel},
                    {"highlight_id", r.highlight_id},
                    {"kind", to_string(r.kind)},
                    {"ok", r.ok}};
  if (r.dry_run) j["dry_run"] = true;
  if (!r.path.empty()) j["path"] = r.path;
  if (!r.clip_url.empty()) j["clip_url"] = r.clip_url;
  if (!r.clip_id.empty()) j["clip_id"] = r.clip_id;
  if (r.position_s) j["position_s"] = round3(*r.position_s);
  if (!r.error.empty()) j["error"] = r.error;
  return j.dump();
}

std::string hello_message(const std::string& backend, const std::string& started) {
  return ordered_json{{"type", "hello"}, {"server", "hyped"}, {"backend", backend}, {"started", started}}.dump();
}

std::string subscribed_message(const Subscription& s, const std::vector<std::string>& unknown) {
  return ordered_json{{"type", "subscribed"}, {"channels", s.channels}, {"unknown", unknown}, {"min_score", s.min_score},
                      {"scores", s.scores}}
      .dump();
}

ClientRequest parse_client_message(std::string_view text) {
  ClientRequest r;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return {std::nullopt, "not JSON"};
  if (!j.is_object()) return {std::nullopt, "expected a JSON object"};
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return {std::nullopt, "missing \"type\""};
  if (*type != "subscribe") return {std::nullopt, "unknown type '" + type->get<std::string>() + "'"};
  Subscription s;
  if (const auto ch = j.find("channels"); ch != j.end()) {
    if (!ch->is_array()) return {std::nullopt, "\"channels\" must be an array of names"};
    for (const auto& c : *ch) {
      if (!c.is_string()) return {std::nullopt, "\"channels\" must be an array of names"};
      s.channels.insert(c.get<std::string>());
    }
    if (s.channels.count(kEveryChannel) > 0) s.channels = {kEveryChannel};
  }
  if (const auto m = j.find("min_score"); m != j.end()) {
    if (!m->is_number()) return {std::nullopt, "\"min_score\" must be a number"};
    s.min_score = m->get<double>();
  }
  if (const auto sc = j.find("scores"); sc != j.end()) {
    if (!sc->is_boolean()) return {std::nullopt, "\"scores\" must be true or false"};
    s.scores = sc->get<bool>();
  }
  r.subscribe = std::move(s);
  return r;
}

std::string close_reason_text(std::string_view why) {
  if (why.size() <= kMaxCloseReasonBytes) return std::string(why);
  std::size_t n = kMaxCloseReasonBytes - 3;                                  // room for "..."
  while (n > 0 && (static_cast<unsigned char>(why[n]) & 0xC0) == 0x80) --n;  // not inside a character
  return std::string(why.substr(0, n)) + "...";
}

ResumePoints parse_resume_points(std::string_view text) {
  ResumePoints r;
  const auto fail = [&](std::string why) {
    r.last_id.clear();
    r.error = std::move(why);
    return r;
  };
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    // Channel names given to --url streams may hold ':' themselves: the id follows the last one.
    const std::size_t colon = item.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return fail("since expects CHANNEL:ID[,CHANNEL:ID...], not '" + std::string(item) + "'");
    const std::string_view id_text = item.substr(colon + 1);
    long long id = -1;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc{} || end != id_text.data() + id_text.size() || id < 0)
      return fail("since: '" + std::string(id_text) + "' is not a highlight id");
    r.last_id[std::string(item.substr(0, colon))] = id;
    if (comma != std::string_view::npos && text.empty()) return fail("since: empty entry after ','");
  }
  if (r.last_id.empty()) return fail("since is empty");
  return r;
}

std::string resumed_message(long long sent, long long unavailable) {
  return ordered_json{{"type", "resumed"}, {"highlights", sent}, {"unavailable", unavailable}}.dump();
}

}  // namespace hyped
