// Highlight exports: JSON (the API contract), CSV, YouTube chapters and CMX3600 EDL.
#pragma once

#include <string>
#include <vector>

#include "app/config.hpp"
#include "core/highlight.hpp"

namespace hyped {

enum class ExportFormat { Json, Csv, Chapters, Edl };
ExportFormat parse_export_format(const std::string& s);  // throws std::invalid_argument
// From a file name's extension (.json .csv .txt .edl); Json when it says nothing.
ExportFormat export_format_for_path(const std::string& path);

struct ExportInput {
  std::string source;  // media path as given
  double duration_s = 0;
  std::string backend;
  const AppConfig* config = nullptr;
  const std::vector<Highlight>* highlights = nullptr;
  std::string chat_format;  // empty without chat
  long long chat_messages = 0;
  long long chat_malformed = 0;
};

std::string export_highlights(ExportFormat f, const ExportInput& in);

// "1:02:03" or "02:03" (YouTube chapter style).
std::string chapter_time(double t_s, bool with_hours);
// "HH:MM:SS:FF" non-drop-frame at fps.
std::string edl_timecode(double t_s, double fps);

}  // namespace hyped
