#include "cluster/cpu_headroom.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace hyped::cluster {

double CpuHeadroom::sample() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line) || line.rfind("cpu ", 0) != 0) return 1.0;
  std::istringstream fields(line.substr(4));
  unsigned long long v = 0, total = 0, idle = 0;
  for (int i = 0; fields >> v; ++i) {
    total += v;
    if (i == 3 || i == 4) idle += v;  // idle, iowait
  }
  const unsigned long long d_total = total - total_, d_idle = idle - idle_;
  const bool first = total_ == 0;
  idle_ = idle;
  total_ = total;
  if (first || d_total == 0) return 1.0;
  return static_cast<double>(d_idle) / static_cast<double>(d_total);
}

}  // namespace hyped::cluster
