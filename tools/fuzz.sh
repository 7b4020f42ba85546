#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build dir and runs each on its seed corpus for
# FUZZ_SECONDS (default 60). A crash fails the script and leaves the input as crash-* in the corpus work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${HYPED_FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
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
for entry in "${fuzzers[@]}"; do
  read -r target corpus <<< "$entry"
  if [[ $target == fuzz_segment_decoder && $ffmpeg == OFF ]]; then
    echo "skipping $target: FFmpeg development libraries not found"
    continue
  fi
  cmake --build "$build" -j2 --target "$target"
  work="$build/fuzz-work/$target"
  mkdir -p "$work/corpus"
  echo "fuzzing $target for $seconds s (seeds: $corpus)"
  (cd "$work" && "$OLDPWD/$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -max_len=9000 \
     -print_final_stats=1 corpus "$OLDPWD/$corpus" 2>&1 | tail -n 12) || exit 1
done
