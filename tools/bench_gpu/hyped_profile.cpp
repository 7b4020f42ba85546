// `hyped profile` as a program of its own: the same run_profile, without the rest of the CLI, so the
// profiler builds and runs on a GPU machine whatever else of the app its configuration leaves out.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "app/profile_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hyped_profile: the detector's operations, GPU time vs wall time (same as `hyped profile`)"};
  hyped::ProfileOptions opt;
  app.add_flag("--comprehensive", opt.comprehensive, "Add host-to-device transfer rows");
  app.add_option("--device", opt.device, "Backend to profile")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app.add_option("--hours", opt.hours, "Audio length of the whole-file rows")
      ->check(CLI::Range(0.01, 24.0))
      ->capture_default_str();
  app.add_option("--channels", opt.channels, "Channels in the streaming-tick row")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return hyped::run_profile(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hyped_profile: %s\n", e.what());
    return 1;
  }
}
