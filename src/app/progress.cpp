#include "app/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hyped {

std::string clock_time(double t_s) {
  const auto t = static_cast<long long>(std::max(0.0, t_s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
  return buf;
}

ProgressReporter::ProgressReporter(Mode mode, double total_s)
    : mode_(mode), total_s_(total_s), start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressReporter::Mode ProgressReporter::mode_for_stderr(bool quiet) {
  if (quiet) return Mode::Off;
  return isatty(STDERR_FILENO) ? Mode::Bar : Mode::Log;
}

std::string ProgressReporter::line(double done_s, double elapsed_s) const {
  const double speed = elapsed_s > 0 ? done_s / elapsed_s : 0;
  char buf[256];
  if (total_s_ > 0) {
    const double frac = std::clamp(done_s / total_s_, 0.0, 1.0);
    const int width = 30;
    const int fill = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(fill), '#');
    bar.resize(width, '.');
    const double eta = speed > 0 ? (total_s_ - done_s) / speed : 0;
    std::snprintf(buf, sizeof buf, "[%s] %3.0f%%  %s / %s  %.1fx realtime  ETA %s", bar.c_str(), frac * 100,
                  clock_time(done_s).c_str(), clock_time(total_s_).c_str(), speed, clock_time(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s of media  %.1fx realtime", clock_time(done_s).c_str(), speed);
  }
  return buf;
}

void ProgressReporter::update(double done_s) {
  if (mode_ == Mode::Off) return;
  const auto now = std::chrono::steady_clock::now();
  const auto since = now - last_;
  if (since < (mode_ == Mode::Bar ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000))) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (mode_ == Mode::Bar) {
    std::fprintf(stderr, "\r%s\033[K", line(done_s, elapsed).c_str());
    drawn_ = true;
  } else {
    spdlog::info("progress: {}", line(done_s, elapsed));
  }
}

void ProgressReporter::finish(double done_s) {
  if (mode_ == Mode::Off) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  spdlog::info("done: {} of media in {:.1f} s ({:.1f}x realtime)", clock_time(done_s), elapsed,
               elapsed > 0 ? done_s / elapsed : 0.0);
}

}  // namespace hyped
