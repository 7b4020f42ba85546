#!/usr/bin/env bash
# Builds hyped, generates a 10-minute demo VOD with chat, and prints the highlights it finds.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${HYPED_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j2 --target hyped
mkdir -p out
python3 tools/make_demo.py --media out/demo.mp4 --chat out/demo-chat.jsonl --truth out/demo-truth.json
# The demo packs six moments into ten minutes (36 an hour), far above the default rate of 4 an hour a
# real broadcast gets (fusion.target_per_hour): ask for that many.
"$build/src/app/hyped" replay out/demo.mp4 --chat out/demo-chat.jsonl --per-hour 36 --out out/demo-highlights.json
"$build/src/app/hyped" replay out/demo.mp4 --chat out/demo-chat.jsonl --per-hour 36 --format chapters --quiet
