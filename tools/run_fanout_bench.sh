#!/usr/bin/env bash
# The fan-out run behind docs/BENCHMARKS.md "## Alert fan-out" on a many-core machine: builds the server
# tests and tools/bench_fanout, runs the tests, then the benchmark for 1,000 clients across server io
# thread counts, and 10,000 clients. With --tsan it also runs the server tests under ThreadSanitizer.
# Every log lands in OUT_DIR.
#   tools/run_fanout_bench.sh OUT_DIR [--tsan]
# Needs no FFmpeg and no GPU; elsewhere than Debian, first `source .device/env.sh` for the carried headers.
set -uo pipefail
out=${1:?usage: tools/run_fanout_bench.sh OUT_DIR [--tsan]}
tsan=${2:-}
build=${HYPED_BUILD_DIR:-build-fanout}
jobs=$(nproc)
mkdir -p "$out"
out=$(cd "$out" && pwd)

step() { echo "== $*" >&2; }

configure() {  # DIR [extra cmake args]
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DHYPED_FFMPEG=OFF -DHYPED_CUDA=OFF "$@" &&
    cmake --build "$dir" -j"$jobs" --target test_server bench_fanout
}

step "configure + build ($build)"
configure "$build" > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }

step "machine"
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  lscpu | grep -E "Model name|^CPU\(s\)|Thread|Socket"
  uname -r
  uptime
} | tee "$out/machine.txt"

step "server tests"
"$build/tests/server/test_server" > "$out/test_server.log" 2>&1
tests_rc=$?
grep -E "fan-out|test cases|assertions|Status" "$out/test_server.log"

bench() {
  "$build/tests/server/bench_fanout" "$@" 2>/dev/null | tee -a "$out/bench_fanout.txt"
}
step "bench_fanout: 1,000 clients, server io threads 1..8, clients sleeping / polling, two trials each"
for trial in 1 2; do
  for spin in 0 1; do
    for threads in 1 2 4 8; do
      bench --clients 1000 --messages 100 --interval-ms 100 --threads "$threads" --client-threads 4 --client-spin "$spin"
    done
  done
done
step "bench_fanout: 10,000 clients"
bench --clients 10000 --messages 50 --interval-ms 250 --threads 8 --client-threads 4 --client-spin 1

if [[ "$tsan" == --tsan ]]; then
  step "server tests under ThreadSanitizer"
  configure "$build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-fsanitize=thread \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread > "$out/build-tsan.log" 2>&1 || { tail -40 "$out/build-tsan.log"; exit 1; }
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$build-tsan/tests/server/test_server" > "$out/tsan.log" 2>&1
  tsan_rc=$?
  grep -E "WARNING: ThreadSanitizer|test cases|Status" "$out/tsan.log" | head -20
  [[ $tsan_rc -eq 0 ]] || tests_rc=$tsan_rc
fi
exit $tests_rc
