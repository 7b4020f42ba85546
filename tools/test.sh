#!/usr/bin/env bash
# Configures, builds and runs every test. CUDA code is compiled when nvcc exists; GPU tests skip
# (with the reason) where no GPU is present.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${HYPED_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2
