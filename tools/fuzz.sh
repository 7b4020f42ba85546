#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build dir and runs each on its seed corpus for
# FUZZ_SECONDS (default 60), FUZZ_PARALLEL of them at a time (default: the number of cores). A crash
# fails the script and leaves the input as crash-* in the target's work dir (build-fuzz/fuzz-work/TARGET).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${HYPED_FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
parallel="${FUZZ_PARALLEL:-$(nproc)}"
# "target seed-corpus": one line per fuzzer.
fuzzers=(
  "fuzz_irc_parser tests/fuzz/irc_corpus"
  "fuzz_m3u8_parser tests/fuzz/m3u8_corpus"
  "fuzz_chat_log tests/fuzz/chat_log_corpus"
  "fuzz_config tests/fuzz/config_corpus"
  "fuzz_ws_message tests/fuzz/ws_corpus"
  "fuzz_http_request tests/fuzz/http_corpus"
  "fuzz_url tests/fuzz/url_corpus"
  "fuzz_segment_decoder tests/fuzz/segment_corpus"
)
# The segment decoder's target needs FFmpeg's libraries (tools/install-deps.sh installs them).
ffmpeg=OFF
if pkg-config --exists libavformat libavcodec libswresample libavutil 2> /dev/null; then ffmpeg=ON; fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DHYPED_FUZZ=ON -DHYPED_CUDA=OFF -DHYPED_FFMPEG=$ffmpeg > /dev/null

targets=() corpora=()
for entry in "${fuzzers[@]}"; do
  read -r target corpus <<< "$entry"
  if [[ $target == fuzz_segment_decoder && $ffmpeg == OFF ]]; then
    echo "skipping $target: FFmpeg development libraries not found"
    continue
  fi
  targets+=("$target") corpora+=("$corpus")
done
cmake --build "$build" -j2 --target "${targets[@]}"

# fuzz INDEX: one target on its corpus, its libFuzzer output in its work dir.
fuzz() {
  local target=${targets[$1]} corpus=$PWD/${corpora[$1]} work="$build/fuzz-work/${targets[$1]}"
  mkdir -p "$work/corpus"
  (cd "$work" && "$OLDPWD/$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -max_len=9000 \
     -print_final_stats=1 corpus "$corpus" > fuzz.log 2>&1)
}

failed=()
for ((first = 0; first < ${#targets[@]}; first += parallel)); do
  pids=()
  for ((i = first; i < first + parallel && i < ${#targets[@]}; i++)); do
    echo "fuzzing ${targets[$i]} for $seconds s (seeds: ${corpora[$i]})"
    fuzz "$i" &
    pids+=("$!:$i")
  done
  for entry in "${pids[@]}"; do
    i=${entry#*:}
    status=0
    wait "${entry%%:*}" || status=$?
    echo "== ${targets[$i]}: $( ((status == 0)) && echo passed || echo "FAILED (exit $status)")"
    tail -n 12 "$build/fuzz-work/${targets[$i]}/fuzz.log"
    ((status == 0)) || failed+=("${targets[$i]}")
  done
done
if ((${#failed[@]})); then
  echo "fuzzing found a failure in: ${failed[*]} (inputs: $build/fuzz-work/TARGET/crash-*)"
  exit 1
fi
