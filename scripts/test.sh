#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the whole suite: conformance summaries, fuzz smoke runs, then ctest
# (whose summary is the last line printed).
set -uo pipefail
BUILD=${1:-build}
FUZZ_BUILD=${2:-build-fuzz}
FUZZ_SECONDS=${3:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# Conformance suite, printed in full so its summary is visible.
if [ -x "$BUILD/conformance_runner" ]; then
  for engine in $("$BUILD/conformance_runner" --list-engines 2>/dev/null || echo interp); do
    echo "== conformance ($engine) =="
    "$BUILD/conformance_runner" --engine "$engine" --dir "$here/../shared/conformance/tests" | tail -n 3
  done
fi

# Fuzz smoke runs (the long runs are `make fuzz`).
if [ -f fuzz/CMakeLists.txt ]; then
  if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
    CC=clang-19 CXX=clang++-19 cmake -S . -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DDECADE_FUZZ=ON -DDECADE_TESTS=OFF -DDECADE_BENCH=OFF >/dev/null
  fi
  cmake --build "$FUZZ_BUILD" -j "$(nproc)" >/dev/null || { echo "fuzz build failed"; exit 1; }
  ./scripts/fuzz.sh "$FUZZ_BUILD" "$FUZZ_SECONDS" --smoke || exit 1
fi

cd "$BUILD" && ctest --output-on-failure -j "$(nproc)" 2>&1 | tail -n 40
exit "${PIPESTATUS[0]}"
