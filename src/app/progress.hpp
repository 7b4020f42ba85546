// Progress of a long run on stderr: a redrawn bar on a terminal, periodic log lines otherwise.
#pragma once

#include <chrono>
#include <string>

namespace hyped {

class ProgressReporter {
 public:
  enum class Mode { Off, Bar, Log };
  // total_s < 0 when the media length is unknown (no bar fraction, no ETA).
  ProgressReporter(Mode mode, double total_s);
  static Mode mode_for_stderr(bool quiet);
  void update(double done_s);
  void finish(double done_s);

 private:
  std::string line(double done_s, double elapsed_s) const;

  Mode mode_;
  double total_s_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

// "1:02:03" / "2:03"
std::string clock_time(double t_s);

}  // namespace hyped
