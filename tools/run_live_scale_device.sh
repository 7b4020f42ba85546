#!/usr/bin/env bash
# Builds hyped with FFmpeg and CUDA and runs tools/bench_live_scale on a machine that has neither FFmpeg
# nor the rig's servers (the GPU machine), from what tools/fetch_live_scale_carry.sh packed.
#   Here, once: tools/fetch_live_scale_carry.sh                        (writes .device-live/)
#   There, carry [".device", ".device-live"], from the project's root: tools/run_live_scale_device.sh
# Steps: checks, .device/env.sh and .device-live/env.sh (FFmpeg built once into /opt/ffmpeg), CMake
# configure and build of the hyped target only, then the ramp. Logs and results go to $OUT (default
# ./out/live-scale): env.log, ffmpeg-build.log, hyped-build.log, bench.log, live_scale.json and
# bench-work.tar.gz (every N's hyped/nginx/ngIRCd logs). Exits non-zero, saying why, on any failure.
# Settings (environment):
#   STREAMS=1000,2000,3000   stream counts of the ramp        WINDOW_S=30  measured seconds per N
#   WARMUP_S=15              seconds before each window       BOTS=12      chat bots
#   BACKEND=cuda             hyped live --backend             BENCH_ARGS=  more bench_live_scale flags
#   HYPED_CUDA=ON CUDA_ARCH=90 BUILD_DIR=build-live-scale     WORK_DIR=/tmp/hyped-live-scale
#   DEADLINE_S=585           the bench is stopped (SIGINT) so that the whole script ends by then
#   ONLY_BUILD=1             stop after the build             MEDIA_STALE_OK=1  use media made from other code
#   FFMPEG_PREFIX=/opt/ffmpeg LIVE_PREFIX=/opt/livedeps       where .device-live/env.sh builds and unpacks
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
OUT=${OUT:-$PWD/out/live-scale}
mkdir -p "$OUT"
STREAMS=${STREAMS:-1000,2000,3000}
WINDOW_S=${WINDOW_S:-30}
WARMUP_S=${WARMUP_S:-15}
BOTS=${BOTS:-12}
BACKEND=${BACKEND:-cuda}
HYPED_CUDA=${HYPED_CUDA:-ON}
CUDA_ARCH=${CUDA_ARCH:-90}
BUILD_DIR=${BUILD_DIR:-build-live-scale}
WORK_DIR=${WORK_DIR:-/tmp/hyped-live-scale}
DEADLINE_S=${DEADLINE_S:-585}

step() { echo "== $* [$((SECONDS - t0)) s]"; }
die() { echo "== FAILED [$((SECONDS - t0)) s]: $*" >&2; exit 1; }
on_err() { echo "== FAILED [$((SECONDS - t0)) s]: line $1: $2 (status $3)" >&2; }
trap 'on_err $LINENO "$BASH_COMMAND" $?' ERR

step "checks"
[[ -f .device/env.sh ]] || die ".device/ is missing: carry \".device\" (made by ../shared/device/fetch-debs.sh)"
[[ -f .device-live/env.sh ]] || die ".device-live/ is missing: carry \".device-live\" (made by tools/fetch_live_scale_carry.sh)"
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 not found: tools/bench_live_scale and tools/ws_alert_log.py run under it"
help=$(/usr/bin/python3 tools/bench_live_scale --help) || die "tools/bench_live_scale --help failed"
backend_args=()
if grep -qE -- '^ +--backend\b' <<<"$help"; then
  backend_args=(--backend "$BACKEND")
elif [[ $BACKEND != cpu ]]; then
  die "tools/bench_live_scale has no --backend option: it starts hyped with '--backend cpu' fixed, so BACKEND=$BACKEND cannot be used (BACKEND=cpu runs it on the CPU backend)"
fi
if [[ -z ${MEDIA_STALE_OK:-} ]]; then
  stamp=$(/usr/bin/python3 .device-live/media_stamp.py) || die "cannot fingerprint the rig media's sources (.device-live/media_stamp.py)"
  [[ $stamp == "$(cat .device-live/media.stamp)" ]] \
    || die "the carried rig media was made from other code (tools/make_demo.py, live_rig.py's SOURCE_S/EVENTS or live_peers.py's make_source/ffmpeg_segments changed): run tools/fetch_live_scale_carry.sh again, or MEDIA_STALE_OK=1"
fi
if [[ $HYPED_CUDA == ON ]]; then
  [[ -x /usr/local/cuda/bin/nvcc ]] || command -v nvcc >/dev/null || die "HYPED_CUDA=ON but no nvcc (/usr/local/cuda/bin)"
fi
if [[ $BACKEND == cuda ]]; then
  nvidia-smi -L >/dev/null 2>&1 || die "BACKEND=cuda but nvidia-smi sees no GPU"
fi
# hyped raises its own open-file limit; nginx and the rig's Python server keep one socket per stream.
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || (( hard > 1048576 )); then hard=1048576; fi
ulimit -n "$hard"
max_n=$(tr ',' '\n' <<<"$STREAMS" | sort -n | tail -1)
(( $(ulimit -n) >= 2 * max_n + 1024 )) || die "open-file limit $(ulimit -n) is too low for $max_n streams"

step "environment: .device/env.sh, .device-live/env.sh (FFmpeg, nginx, ngIRCd, websockets)"
export LIVE_LOG_DIR=$OUT
# shellcheck disable=SC1091
source .device/env.sh
set -euo pipefail  # .device/env.sh ends with set +e
# shellcheck disable=SC1091
source .device-live/env.sh || die "see the ERROR line above (.device-live/env.sh)"
set -euo pipefail
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) cores; $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
  nvidia-smi -L 2>&1 || true
  echo "which: nginx=$(command -v nginx) ngircd=$(command -v ngircd) ffmpeg=$(command -v ffmpeg) (stub) python3=$(command -v python3)"
  echo "nginx: $(nginx -v 2>&1); ngircd: $(ngircd --version 2>&1 | head -1)"
  echo "FFmpeg (pkg-config): $(pkg-config --modversion libavcodec) from $(pkg-config --variable=libdir libavcodec)"
  echo "websockets: $(/usr/bin/python3 -c 'import websockets; print(websockets.version.version, websockets.__file__)')"
  echo "gcc: $(gcc --version | head -1); cmake: $(cmake --version | head -1); ninja: $(ninja --version)"
  echo "open files: $(ulimit -n)"
  env | grep -E '^(PATH|LD_LIBRARY_PATH|PKG_CONFIG_PATH|PYTHONPATH|CMAKE_PREFIX_PATH|CPATH|LIBRARY_PATH)=' | sort
} > "$OUT/env.log" 2>&1
cat "$OUT/env.log"

step "configure hyped (FFmpeg ON, CUDA $HYPED_CUDA) in $BUILD_DIR (log: hyped-build.log)"
cmake_args=(-S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHYPED_FFMPEG=ON -DHYPED_CUDA="$HYPED_CUDA"
            -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -DHYPED_MAN=OFF -DPKG_CONFIG_EXECUTABLE="$(command -v pkg-config)")
[[ $HYPED_CUDA == OFF ]] || cmake_args+=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH")
if ! cmake "${cmake_args[@]}" > "$OUT/hyped-build.log" 2>&1; then
  tail -n 40 "$OUT/hyped-build.log" >&2
  die "CMake configure failed (hyped-build.log)"
fi
grep -E 'hyped: CUDA backend|FFMPEG' "$OUT/hyped-build.log" | head -5 || true
ffmpeg_dir=$(sed -n 's/^FFMPEG_libavcodec_LIBDIR[^=]*=//p' "$BUILD_DIR/CMakeCache.txt" | head -1)
[[ -z $ffmpeg_dir || $ffmpeg_dir == "$FFMPEG_PREFIX"/* ]] || die "CMake found FFmpeg in $ffmpeg_dir, not in $FFMPEG_PREFIX"

step "build hyped (-j$(nproc))"
if ! cmake --build "$BUILD_DIR" --target hyped -j"$(nproc)" >> "$OUT/hyped-build.log" 2>&1; then
  grep -E 'error|Error' "$OUT/hyped-build.log" | head -20 >&2 || true
  tail -n 30 "$OUT/hyped-build.log" >&2
  die "hyped's build failed (hyped-build.log)"
fi
hyped=$PWD/$BUILD_DIR/src/app/hyped
av=$(ldd "$hyped" | grep -E 'libav(codec|format|util)|libswresample' || true)
echo "$av"
! grep -q 'not found' <<<"$av" || die "hyped does not find its FFmpeg libraries"
grep -q "$FFMPEG_PREFIX/lib/libavcodec" <<<"$av" || die "hyped loads libavcodec from elsewhere than $FFMPEG_PREFIX"
"$hyped" --version || die "hyped --version failed"
"$hyped" live --help >/dev/null || die "hyped live --help failed (built without FFmpeg?)"
step "built"
[[ -z ${ONLY_BUILD:-} ]] || exit 0

step "rig work folder $WORK_DIR (carried media)"
rm -rf "$WORK_DIR"
mkdir -p "$WORK_DIR"
cp -r "$LIVE_MEDIA" "$WORK_DIR/media"
left=$((DEADLINE_S - (SECONDS - t0) - 30))
(( left >= 90 )) || die "only $left s left before DEADLINE_S=$DEADLINE_S: not enough for one N"

step "bench_live_scale: streams $STREAMS, warm-up $WARMUP_S s, window $WINDOW_S s, backend $BACKEND; stopped after $left s"
export PYTHONUNBUFFERED=1
trap - ERR
set +e
timeout -s INT -k 30 "$left" /usr/bin/python3 tools/bench_live_scale --hyped "$hyped" --work "$WORK_DIR" \
  --streams "$STREAMS" --seconds "$WINDOW_S" --warmup "$WARMUP_S" --bots "$BOTS" "${backend_args[@]}" \
  --json "$OUT/live_scale.json" ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench.log"
rc=${PIPESTATUS[0]}
set -e
trap 'on_err $LINENO "$BASH_COMMAND" $?' ERR

step "packing the rig's logs (bench-work.tar.gz)"
tar -czf "$OUT/bench-work.tar.gz" -C "$WORK_DIR" --exclude=./media . || true
if [[ -f $OUT/bench-work.tar.gz ]] && (( $(stat -c %s "$OUT/bench-work.tar.gz") > 15 * 1024 * 1024 )); then
  tar -czf "$OUT/bench-work.tar.gz" -C "$WORK_DIR" --exclude=./media --exclude=access.log --exclude=hyped.stdout \
    --exclude=alerts.jsonl . || true
fi
case $rc in
  0) step "done: $(tail -n 1 "$OUT/bench.log")" ;;
  124|137) die "bench_live_scale ran past DEADLINE_S=$DEADLINE_S and was stopped: lines above hold the N finished (fewer STREAMS or a shorter WINDOW_S)" ;;
  *) die "bench_live_scale exited with status $rc (bench.log; files in bench-work.tar.gz)" ;;
esac
