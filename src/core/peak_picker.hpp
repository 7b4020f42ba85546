// Turns the fused score into highlights. A highlight fires the moment the score rises through the
// threshold (never during warm-up, when running statistics have not learnt the stream yet); within its
// refractory period stronger evidence does not fire again but revises it: same id, the peak score
// (what highlights rank by), the reasons seen so far, and the time of the strongest burst (the first
// frame at half its peak: a weak crossing just before a big moment must not place the clip). The
// threshold follows the channel: at least `threshold`, and high enough that about target_per_hour
// highlights fire an hour.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/detector_params.hpp"
#include "core/highlight.hpp"
#include "core/hop_features.hpp"

namespace hyped {

// The score level that about `target_per_hour` highlights an hour reach. The score's episodes (runs
// at or over `threshold`, merged when less than a refractory period apart) are kept for rate_window_s
// with their peaks; the level is the k-th largest peak, k = target × window hours. A young channel has
// not shown its range yet: the part of the window not seen counts as episodes like its typical one
// (the median so far), and at least start_threshold strong.
class RateThreshold {
 public:
  explicit RateThreshold(const DetectorParams& p);
  void push(double t_s, float score);
  double value() const { return value_; }

 private:
  void close_episode();
  void update(double t_s);

  DetectorParams p_;
  double first_s_ = -1;
  bool in_episode_ = false;
  double episode_end_s_ = 0;
  float episode_peak_ = 0;
  std::deque<std::pair<double, float>> peaks_;  // (end, peak), oldest first
  std::multiset<float> sorted_;
  std::size_t assumed_ = 0, counted_ = 0;  // what value_ was computed from
  std::vector<float> top_;                 // scratch
  double value_;
};

class PeakPicker {
 public:
  explicit PeakPicker(const DetectorParams& p);
  // Frames must come in order, one per hop. Returns a new highlight (revision 0) or a revision of the
  // last one (same id, revision 1, 2, …), sent once a stronger peak has passed.
  std::optional<Highlight> push(long long frame, const HopFeatures& h);
  // At the end of a stream: the revision still waiting for its peak to pass, if any.
  std::optional<Highlight> flush();
  double threshold() const;

 private:
  std::optional<Highlight> revise(const HopFeatures& h, bool closing);

  DetectorParams p_;
  RateThreshold rate_;
  long long refractory_frames_;
  float prev_score_ = 0;
  float last_peak_ = 0;  // peak score of the last highlight whose period has ended
  int next_id_ = 1;
  // The highlight still within its refractory period, with the best evidence seen for it.
  struct Open {
    Highlight sent;      // as last sent
    Highlight best;      // with the strongest frame so far
    double fired_s = 0;  // when it first fired
    long long fired_frame = 0;
    bool pending = false;       // best beats what was sent
    std::vector<float> scores;  // every frame's score since it fired
  };
  std::optional<Open> open_;
};

// Names the signals behind a score: each weighted signal whose z reaches reason_z; when none does,
// those that gave at least a third of the score.
std::vector<std::string> reasons_for(const HopFeatures& h, const DetectorParams& p);

}  // namespace hyped
