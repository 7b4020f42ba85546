// A detected highlight: when, how strong, the clip around it, and why it fired.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace hyped {

struct Highlight {
  int id = 0;
  int revision = 0;  // 0 when it fires; a revision (same id) carries stronger evidence that followed
  double time_s = 0;
  double start_s = 0;
  double end_s = 0;
  float score = 0;
  float audio_z = 0;
  float chat_z = 0;
  float chat_rate = 0;
  std::vector<std::string> reasons;  // "audio", "chat", "flux", "hf"
};

// The n highest-scored highlights, in their original (time) order. A highlight whose moment lies less
// than min_gap_s from a stronger one kept is the same reaction seen twice (a sustained burst that fired
// again once its refractory period ended): it is dropped, as a refractory period drops it live.
std::vector<Highlight> strongest(std::vector<Highlight> highlights, std::size_t n, double min_gap_s = 0);

// "audio+chat"
std::string join_reasons(const std::vector<std::string>& reasons, const char* sep = "+");

}  // namespace hyped
