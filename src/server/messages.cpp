#include "server/messages.hpp"

#include "core/iso8601.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace hyped {
namespace {
using nlohmann::ordered_json;
double r3(double v) { return std::round(v * 1000.0) / 1000.0; }
double r4(double v) { return std::round(v * 10000.0) / 10000.0; }
}  // namespace

std::string highlight_message(const std::string& channel, const Highlight& h, WallClock::time_point wall) {
  ordered_json j = {{"type", "highlight"},
                    {"channel", channel},
                    {"id", h.id},
                    {"time_s", r3(h.time_s)},
                    {"wall_time", format_iso8601(wall)},
                    {"score", r4(h.score)},
                    {"audio_z", r4(h.audio_z)},
                    {"chat_z", r4(h.chat_z)},
                    {"chat_rate", r3(h.chat_rate)},
                    {"reasons", h.reasons},
                    {"clip", {{"start_s", r3(h.start_s)}, {"end_s", r3(h.end_s)}}}};
  return j.dump();
}

std::string score_message(const std::string& channel, double time_s, const HopFeatures& f) {
  ordered_json j = {{"type", "score"},          {"channel", channel},      {"time_s", r3(time_s)},
                    {"score", r4(f.score)},     {"audio_z", r4(f.z_audio)}, {"chat_z", r4(f.z_chat)},
                    {"chat_rate", r3(f.chat_rate)}, {"rms", f.rms}};
  return j.dump();
}

std::string subscribed_message(const Subscription& s) {
  return ordered_json{{"type", "subscribed"}, {"channels", s.channels}, {"min_score", s.min_score}, {"scores", s.scores}}
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

}  // namespace hyped
