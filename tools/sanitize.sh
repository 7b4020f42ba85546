#!/usr/bin/env bash
# Sanitizer builds, each in a build dir of its own (-O1 with line tables, unity, CUDA off, ccache as
# configured by CMake):
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (-DHYPED_SANITIZE=address,undefined): the unit
#         tests and the integration tests but quality, live HLS, the short soak and the cluster (long
#         replays, real-time deadlines, dozens of live streams; docs/RELIABILITY.md says why each)
#   tsan  ThreadSanitizer (-DHYPED_SANITIZE=thread): the tests labelled "threaded" but live HLS
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

# The test programs `ctest ARGS` would run, and what the integration tests among them drive. A test named
# for no target (a Python test of a tool) needs nothing built.
targets_of() {  # targets_of BUILD_DIR CTEST_ARGS...
  local dir=$1
  shift
  local known
  known=$(cmake --build "$dir" --target help | sed -n 's/^\([A-Za-z0-9_]*\): .*/\1/p')
  ctest --test-dir "$dir" -N "$@" | sed -n 's/^ *Test *#[0-9]*: \([A-Za-z0-9_]*\)$/\1/p' | grep -v '^integration_' \
    | grep -Fxf <(printf '%s\n' "$known") || true
  printf '%s\n' hyped ws_collect report_synth
}

run() {  # run BUILD_DIR SANITIZERS CTEST_ARGS...
  local dir=$1 san=$2
  shift 2
  echo "== $san in $dir"
  # -O1, as the sanitizers' own documentation advises, and unity builds (each module's sources compiled
  # as a few translation units, so Asio's and Beast's templates are instantiated once a batch, not once a
  # file): a cold sanitizer build in a third of the time, which is what lets both run in CI.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG" -DCMAKE_UNITY_BUILD=ON -DHYPED_CUDA=OFF -DHYPED_SANITIZE="$san" > /dev/null
  # Only what these tests run: a sanitizer build of every tool and benchmark would double the time.
  mapfile -t targets < <(targets_of "$dir" "$@")
  cmake --build "$dir" -j"$jobs" --target "${targets[@]}"
  ctest --test-dir "$dir" --output-on-failure -j2 "$@"
}

# Left out: tests that assert wall-clock deadlines against real-time publishing, replay hours of media or
# run dozens of live streams at once, which a sanitizer's slowdown turns into failures that are not bugs
# (docs/RELIABILITY.md).
if [[ $which == asan || $which == all ]]; then
  run "${HYPED_ASAN_BUILD_DIR:-build-asan}" address,undefined -LE gpu -E '^integration_(quality|live_hls|soak_short|cluster)$'
fi
if [[ $which == tsan || $which == all ]]; then
  run "${HYPED_TSAN_BUILD_DIR:-build-tsan}" thread -L threaded -E '^integration_live_hls$'
fi
