#include "core/peak_picker.hpp"

#include <algorithm>
#include <utility>

namespace hyped {

std::string join_reasons(const std::vector<std::string>& reasons, const char* sep) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += sep;
    out += r;
  }
  return out;
}

std::vector<std::string> reasons_for(const HopFeatures& h, const DetectorParams& p) {
  const std::pair<const char*, double> parts[] = {{"audio", p.w_audio > 0 ? h.z_audio : -1e30},
                                                  {"chat", p.w_chat > 0 ? h.z_chat : -1e30},
                                                  {"flux", p.w_flux > 0 ? h.z_flux : -1e30},
                                                  {"hf", p.w_hf > 0 ? h.z_hf : -1e30}};
  std::vector<std::string> out;
  for (const auto& [name, z] : parts)
    if (z >= p.reason_z) out.emplace_back(name);
  if (out.empty()) {
    const auto* best = std::max_element(std::begin(parts), std::end(parts),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
    out.emplace_back(best->first);
  }
  return out;
}

PeakPicker::PeakPicker(const DetectorParams& p) : p_(p) {}

std::optional<Highlight> PeakPicker::push(long long frame, const HopFeatures& h) {
  const double t = p_.frame_time_s(frame);
  const bool above = h.score >= p_.threshold;
  const bool rising = above && !above_;
  above_ = above;
  if (!rising) return std::nullopt;
  if (p_.z_mode == ZMode::Running && t < p_.warmup_s) return std::nullopt;
  if (t - last_fire_s_ < p_.refractory_s) return std::nullopt;
  last_fire_s_ = t;
  Highlight hl;
  hl.id = next_id_++;
  hl.time_s = t;
  hl.start_s = std::max(0.0, t - p_.pre_s);
  hl.end_s = t + p_.post_s;
  hl.score = h.score;
  hl.audio_z = h.z_audio;
  hl.chat_z = h.z_chat;
  hl.chat_rate = h.chat_rate;
  hl.reasons = reasons_for(h, p_);
  return hl;
}

}  // namespace hyped
