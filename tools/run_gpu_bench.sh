#!/usr/bin/env bash
# The GPU run behind docs/BENCHMARKS.md "## GPU": builds with CUDA, runs the GPU parity tests, `hyped
# profile` (plain and --comprehensive), tools/bench_gpu and the seed's PyTorch anchor, side by side on
# one GPU. Every log lands in OUT_DIR.
#   tools/run_gpu_bench.sh OUT_DIR [MEDIA_DIR] [SEED_ANCHOR_PY]
# MEDIA_DIR holds demo.wav and demo-chat.jsonl made beforehand where ffmpeg exists:
#   python3 tools/make_demo.py --media DIR/demo.wav --chat DIR/demo-chat.jsonl --rate 16000 --channels 1 --duration 300
# On the GPU machine, first `source .device/env.sh` for the carried headers (see device/README.md).
set -uo pipefail
out=${1:?usage: tools/run_gpu_bench.sh OUT_DIR [MEDIA_DIR] [SEED_ANCHOR_PY]}
media=${2:-}
anchor=${3:-}
build=${HYPED_BUILD_DIR:-build-gpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[[ -n "$media" ]] && media=$(cd "$media" && pwd)
export PYTHONUNBUFFERED=1

step() { echo "== $*" >&2; }

step "configure + build ($build)"
{
  cmake -S . -B "$build" -G Ninja -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DHYPED_FFMPEG=OFF -DHYPED_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" \
    ${media:+-DHYPED_TEST_MEDIA_DIR="$media"} &&
    cmake --build "$build" -j"$(nproc)" --target test_gpu bench_gpu hyped_profile
} > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
# The full CLI when it builds here; else the same run_profile as a program of its own.
if cmake --build "$build" -j"$(nproc)" --target hyped >> "$out/build.log" 2>&1; then
  profile=("$build/src/app/hyped" profile)
else
  echo "(hyped did not build here; profiling with tools/bench_gpu/hyped_profile)" | tee -a "$out/build.log"
  profile=("$build/tools/bench_gpu/hyped_profile")
fi

step "device"
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,pcie.link.gen.max,pcie.link.width.max --format=csv
  nvcc --version | tail -2
  nproc
} > "$out/gpu.txt" 2>&1
cat "$out/gpu.txt"

step "GPU parity tests"
HYPED_REQUIRE_GPU=1 ctest --test-dir "$build" -L gpu -V --timeout 600 > "$out/parity.log" 2>&1
parity_rc=$?
grep -E "CUDA device|MESSAGE|running,|global,|media|whole file|SKIPPED|test cases|assertions|tests passed|Failed|FAILED" "$out/parity.log" | head -60

step "hyped profile"
"${profile[@]}" > "$out/profile.txt" 2>&1
cat "$out/profile.txt"
step "hyped profile --comprehensive"
"${profile[@]}" --comprehensive > "$out/profile-comprehensive.txt" 2>&1
cat "$out/profile-comprehensive.txt"

step "bench_gpu"
"$build/tools/bench_gpu/bench_gpu" --json "$out/bench_gpu.json" > "$out/bench_gpu.txt" 2>&1
cat "$out/bench_gpu.txt"

if [[ -n "$anchor" ]]; then
  step "seed anchor (PyTorch)"
  python3 "$anchor" cuda 1 > "$out/seed_anchor.txt" 2>&1
  cat "$out/seed_anchor.txt"
fi
exit $parity_rc
