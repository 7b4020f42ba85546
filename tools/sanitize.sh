#!/usr/bin/env bash
# Sanitizer builds, each in a build dir of its own (CUDA off, ccache as configured by CMake):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (-DHYPED_SANITIZE=address,undefined): the unit
#         tests and the integration tests but quality, live HLS and the short soak (long replays and
#         real-time deadlines; docs/RELIABILITY.md says why each)
#   tsan  ThreadSanitizer (-DHYPED_SANITIZE=thread): the tests labelled "threaded"
# Any report fails the test that meets it, and so this script. Usage: tools/sanitize.sh [asan|tsan|all]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
jobs="${HYPED_SANITIZE_JOBS:-2}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.ccache}"
# Leaks, use after return and init order too; UB and races abort at the first report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

run() {  # run BUILD_DIR SANITIZERS CTEST_ARGS...
  local dir=$1 san=$2
  shift 2
  echo "== $san in $dir"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYPED_CUDA=OFF -DHYPED_SANITIZE="$san" > /dev/null
  cmake --build "$dir" -j"$jobs" --target hyped_tests
  ctest --test-dir "$dir" --output-on-failure -j2 "$@"
}

if [[ $which == asan || $which == all ]]; then
  run "${HYPED_ASAN_BUILD_DIR:-build-asan}" address,undefined -LE gpu -E '^integration_(quality|live_hls|soak_short)$'
fi
if [[ $which == tsan || $which == all ]]; then
  run "${HYPED_TSAN_BUILD_DIR:-build-tsan}" thread -L threaded
fi
