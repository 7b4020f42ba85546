#include "core/peak_picker.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

namespace hyped {
namespace {

// A revision is sent when the peak beats what was sent by this much: small wobbles are not news.
constexpr double kReviseRatio = 1.05;

}  // namespace

std::vector<Highlight> strongest(std::vector<Highlight> highlights, std::size_t n, double min_gap_s) {
  if (highlights.size() <= n && min_gap_s <= 0) return highlights;
  std::vector<std::size_t> order(highlights.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Stable: of equal scores the earlier stays.
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return highlights[a].score > highlights[b].score; });
  std::vector<std::size_t> kept;
  for (std::size_t i : order) {
    if (kept.size() == n) break;
    const bool near_stronger = std::any_of(kept.begin(), kept.end(), [&](std::size_t k) {
      return std::abs(highlights[k].time_s - highlights[i].time_s) < min_gap_s;
    });
    if (!near_stronger) kept.push_back(i);
  }
  std::sort(kept.begin(), kept.end());
  std::vector<Highlight> out;
  out.reserve(kept.size());
  for (std::size_t i : kept) out.push_back(std::move(highlights[i]));
  return out;
}

std::string join_reasons(const std::vector<std::string>& reasons, const char* sep) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += sep;
    out += r;
  }
  return out;
}

std::vector<std::string> reasons_for(const HopFeatures& h, const DetectorParams& p) {
  const std::pair<const char*, std::pair<double, double>> parts[] = {{"audio", {p.w_audio, h.z_audio}},
                                                                     {"chat", {p.w_chat, h.z_chat}},
                                                                     {"flux", {p.w_flux, h.z_flux}},
                                                                     {"hf", {p.w_hf, h.z_hf}}};
  std::vector<std::string> out;
  for (const auto& [name, wz] : parts)
    if (wz.first > 0 && wz.second >= p.reason_z) out.emplace_back(name);
  if (out.empty())
    for (const auto& [name, wz] : parts)
      if (wz.first > 0 && wz.second > 0 && wz.first * wz.second >= h.score / 3.0) out.emplace_back(name);
  return out;
}

RateThreshold::RateThreshold(const DetectorParams& p)
    : p_(p), value_(p.target_per_hour > 0 ? std::max(p.threshold, p.start_threshold) : p.threshold) {}

void RateThreshold::push(double t_s, float score) {
  if (p_.target_per_hour <= 0) return;
  if (first_s_ < 0) first_s_ = t_s;
  if (score >= p_.threshold) {
    if (!in_episode_) episode_peak_ = score;
    in_episode_ = true;
    episode_end_s_ = t_s;
    episode_peak_ = std::max(episode_peak_, score);
  } else if (in_episode_ && t_s - episode_end_s_ >= p_.refractory_s) {
    close_episode();
  }
  update(t_s);
}

void RateThreshold::close_episode() {
  in_episode_ = false;
  peaks_.emplace_back(episode_end_s_, episode_peak_);
  sorted_.insert(episode_peak_);
}

void RateThreshold::update(double t_s) {
  bool changed = false;
  while (!peaks_.empty() && peaks_.front().first < t_s - p_.rate_window_s) {
    sorted_.erase(sorted_.find(peaks_.front().second));
    peaks_.pop_front();
    changed = true;
  }
  const double k = std::max(1.0, std::round(p_.target_per_hour * p_.rate_window_s / 3600.0));
  const double seen = std::min(1.0, (t_s - first_s_) / p_.rate_window_s);
  const auto assumed = static_cast<std::size_t>(std::round(k * (1.0 - seen)));
  if (!changed && assumed == assumed_ && sorted_.size() == counted_) return;
  assumed_ = assumed;
  counted_ = sorted_.size();
  // The unseen part of the window holds episodes like the channel's typical one (the median seen),
  // and at least start_threshold strong; the level is the k-th largest of those and the kept peaks.
  double typical = p_.start_threshold;
  if (!sorted_.empty()) {
    const auto median = std::next(sorted_.begin(), static_cast<std::ptrdiff_t>(sorted_.size() / 2));
    typical = std::max(typical, static_cast<double>(*median));
  }
  const auto target = static_cast<std::size_t>(k);
  top_.clear();
  for (auto r = sorted_.rbegin(); r != sorted_.rend() && top_.size() < target; ++r) top_.push_back(*r);
  top_.insert(top_.end(), std::min(assumed, target), static_cast<float>(typical));
  std::sort(top_.begin(), top_.end(), std::greater<>());
  const double level = top_.size() >= target ? top_[target - 1] : 0.0;  // fewer: everything counts
  value_ = std::max(p_.threshold, level);
}

PeakPicker::PeakPicker(const DetectorParams& p)
    : p_(p), rate_(p), refractory_frames_(std::max(1LL, std::llround(p.refractory_s / p.hop_s))) {}

double PeakPicker::threshold() const { return rate_.value(); }

std::optional<Highlight> PeakPicker::revise(const HopFeatures& h, bool closing) {
  Open& o = *open_;
  o.scores.push_back(h.score);
  if (h.score > o.best.score) {
    o.best.score = h.score;
    o.best.audio_z = std::max(o.best.audio_z, h.z_audio);
    o.best.chat_z = std::max(o.best.chat_z, h.z_chat);
    o.best.chat_rate = std::max(o.best.chat_rate, h.chat_rate);
    for (std::string& r : reasons_for(h, p_))
      if (std::find(o.best.reasons.begin(), o.best.reasons.end(), r) == o.best.reasons.end())
        o.best.reasons.push_back(std::move(r));
    // The moment is where the strongest burst began: the first frame of the run at half the peak or
    // more that leads up to it (an earlier weak crossing, with a dip between, is another burst).
    std::size_t first = o.scores.size() - 1;
    while (first > 0 && o.scores[first - 1] >= 0.5f * h.score) --first;
    const double moment = o.fired_s + static_cast<double>(first) * p_.hop_s;
    // The clip goes with the moment, [t − pre_s, t + post_s] as for any highlight: the weak crossing
    // must not place it.
    o.best.time_s = moment;
    o.best.start_s = std::max(0.0, moment - p_.pre_s);
    o.best.end_s = moment + p_.post_s;
    o.pending = o.best.score >= o.sent.score * kReviseRatio;
    if (!closing) return std::nullopt;
  }
  // Sent once the peak has passed (the score fell from it) or the period ends.
  return flush();
}

std::optional<Highlight> PeakPicker::push(long long frame, const HopFeatures& h) {
  const double t = p_.frame_time_s(frame);
  const double threshold = rate_.value();  // from the periods before this frame's
  // Warm-up scores come from statistics still settling (a spread learnt from seconds of audio turns
  // any change into a spike): they fire nothing, and must not set the channel's range either.
  if (p_.z_mode != ZMode::Running || t >= p_.warmup_s) rate_.push(t, h.score);
  const bool above = h.score >= threshold;
  // Rising through the threshold as it is now: a threshold that falls under a steady score is no rise.
  const bool rising = above && prev_score_ < threshold;
  prev_score_ = h.score;
  if (open_) {
    // Counted in frames, so the last frame of the period is always seen as the last.
    const long long since = frame - open_->fired_frame;
    if (since < refractory_frames_) return revise(h, since + 1 >= refractory_frames_);
    last_peak_ = open_->best.score;
    open_.reset();
  }
  // A score still above the threshold when the period ends fires again only if it beats the last
  // highlight: a sustained reaction is one highlight, a stronger moment inside it is another.
  if (!rising && !(above && h.score > last_peak_)) return std::nullopt;
  if (p_.z_mode == ZMode::Running && t < p_.warmup_s) return std::nullopt;
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
  open_ = Open{hl, hl, t, frame, false, {h.score}};
  return hl;
}

std::optional<Highlight> PeakPicker::flush() {
  if (!open_ || !open_->pending) return std::nullopt;
  Open& o = *open_;
  o.pending = false;
  ++o.best.revision;
  o.sent = o.best;
  return o.best;
}

}  // namespace hyped
