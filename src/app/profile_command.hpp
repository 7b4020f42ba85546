// `hyped profile`: the seed's test_gpu.py table (GPU time vs wall time per operation) for our backends.
#pragma once

#include <string>

namespace hyped {

struct ProfileOptions {
  bool comprehensive = false;   // adds host-to-device transfer rows
  std::string device = "auto";  // auto | cpu | cuda
  double hours = 1.0;           // audio length of the whole-file rows
  int channels = 5000;          // channels of the streaming-tick row (the live target)
};

// Prints the table on stdout; returns the exit code.
int run_profile(const ProfileOptions& opt);

}  // namespace hyped
