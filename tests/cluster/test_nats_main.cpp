// Entry point of the cluster tests that need a real nats-server: where none is installed they report
// SKIPPED with the reason and exit 77 (ctest's SKIP_RETURN_CODE) instead of passing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "nats_server_process.hpp"

int main(int argc, char** argv) {
  if (!hyped::test::NatsServerProcess::find_binary()) {
    std::printf("SKIPPED: nats-server is not on PATH (Debian package nats-server)\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
