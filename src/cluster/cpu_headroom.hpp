// The share of the machine's CPU time left idle since the previous reading (Linux /proc/stat), 0..1.
#pragma once

namespace hyped::cluster {

class CpuHeadroom {
 public:
  // 1 at the first call, or where /proc/stat cannot be read.
  double sample();

 private:
  unsigned long long idle_ = 0, total_ = 0;
};

}  // namespace hyped::cluster
