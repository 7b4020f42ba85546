#include "app/export.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace hyped {
namespace {

using nlohmann::ordered_json;

double round_to(double v, double unit) { return std::round(v / unit) * unit; }

ordered_json params_json(const DetectorParams& p) {
  return ordered_json{{"sample_rate_hz", p.sample_rate_hz}, {"frame_s", p.frame_s},
                      {"hop_s", p.hop_s},                   {"z_mode", to_string(p.z_mode)},
                      {"stats_halflife_s", p.stats_halflife_s}, {"warmup_s", p.warmup_s},
                      {"chat_window_s", p.chat_window_s},   {"w_audio", p.w_audio},
                      {"w_chat", p.w_chat},                 {"w_flux", p.w_flux},
                      {"w_hf", p.w_hf},                     {"threshold", p.threshold},
                      {"refractory_s", p.refractory_s},     {"pre_s", p.pre_s},
                      {"post_s", p.post_s}};
}

std::string to_json(const ExportInput& in) {
  ordered_json doc;
  doc["source"] = in.source;
  doc["duration_s"] = round_to(in.duration_s, 1e-3);
  doc["backend"] = in.backend;
  doc["params"] = params_json(in.config->detector);
  if (!in.chat_format.empty())
    doc["chat"] = {{"format", in.chat_format}, {"messages", in.chat_messages}, {"malformed", in.chat_malformed}};
  doc["highlights"] = ordered_json::array();
  for (const Highlight& h : *in.highlights)
    doc["highlights"].push_back({{"id", h.id},
                                 {"time_s", round_to(h.time_s, 1e-3)},
                                 {"start_s", round_to(h.start_s, 1e-3)},
                                 {"end_s", round_to(h.end_s, 1e-3)},
                                 {"score", round_to(h.score, 1e-4)},
                                 {"audio_z", round_to(h.audio_z, 1e-4)},
                                 {"chat_z", round_to(h.chat_z, 1e-4)},
                                 {"chat_rate", round_to(h.chat_rate, 1e-3)},
                                 {"reasons", h.reasons}});
  return doc.dump(2) + "\n";
}

std::string to_csv(const ExportInput& in) {
  std::ostringstream s;
  s << "id,time_s,start_s,end_s,score,audio_z,chat_z,chat_rate,reasons\n";
  char line[256];
  for (const Highlight& h : *in.highlights) {
    std::snprintf(line, sizeof line, "%d,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.3f,%s\n", h.id, h.time_s, h.start_s, h.end_s,
                  h.score, h.audio_z, h.chat_z, h.chat_rate, join_reasons(h.reasons).c_str());
    s << line;
  }
  return s.str();
}

// YouTube wants the first chapter at 0:00 and chapters at least 10 s apart.
std::string to_chapters(const ExportInput& in) {
  const bool hours = in.duration_s >= 3600;
  std::ostringstream s;
  s << chapter_time(0, hours) << " Start\n";
  double last = 0;
  for (const Highlight& h : *in.highlights) {
    const double t = std::max(std::floor(h.start_s), last + 10);
    if (t >= in.duration_s) break;
    s << chapter_time(t, hours) << " Highlight " << h.id << " (" << join_reasons(h.reasons) << ")\n";
    last = t;
  }
  return s.str();
}

std::string to_edl(const ExportInput& in) {
  const double fps = in.config->exports.edl_fps;
  std::ostringstream s;
  s << "TITLE: hyped highlights " << std::filesystem::path(in.source).filename().string() << "\n";
  s << "FCM: NON-DROP FRAME\n\n";
  double record = 0;  // highlights laid end to end on the record timeline
  char line[160];
  for (const Highlight& h : *in.highlights) {
    const double len = h.end_s - h.start_s;
    std::snprintf(line, sizeof line, "%03d  AX       AA/V  C        %s %s %s %s\n", h.id,
                  edl_timecode(h.start_s, fps).c_str(), edl_timecode(h.end_s, fps).c_str(),
                  edl_timecode(record, fps).c_str(), edl_timecode(record + len, fps).c_str());
    s << line;
    s << "* FROM CLIP NAME: " << std::filesystem::path(in.source).filename().string() << "\n";
    std::snprintf(line, sizeof line, "* COMMENT: HIGHLIGHT %d SCORE %.2f (%s)\n\n", h.id, h.score,
                  join_reasons(h.reasons).c_str());
    s << line;
    record += len;
  }
  return s.str();
}

}  // namespace

ExportFormat parse_export_format(const std::string& s) {
  if (s == "json") return ExportFormat::Json;
  if (s == "csv") return ExportFormat::Csv;
  if (s == "chapters") return ExportFormat::Chapters;
  if (s == "edl") return ExportFormat::Edl;
  throw std::invalid_argument("unknown format '" + s + "' (expected json, csv, chapters or edl)");
}

ExportFormat export_format_for_path(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".csv") return ExportFormat::Csv;
  if (ext == ".txt") return ExportFormat::Chapters;
  if (ext == ".edl") return ExportFormat::Edl;
  return ExportFormat::Json;
}

std::string chapter_time(double t_s, bool with_hours) {
  const auto t = static_cast<long long>(std::max(0.0, std::floor(t_s)));
  char buf[32];
  if (with_hours)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", t / 60, t % 60);
  return buf;
}

std::string edl_timecode(double t_s, double fps) {
  const int rate = static_cast<int>(std::lround(fps));
  const auto frames = static_cast<long long>(std::llround(std::max(0.0, t_s) * rate));
  const long long secs = frames / rate;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60, frames % rate);
  return buf;
}

std::string export_highlights(ExportFormat f, const ExportInput& in) {
  switch (f) {
    case ExportFormat::Json: return to_json(in);
    case ExportFormat::Csv: return to_csv(in);
    case ExportFormat::Chapters: return to_chapters(in);
    case ExportFormat::Edl: return to_edl(in);
  }
  return {};
}

}  // namespace hyped
