#!/usr/bin/env bash
# Benchmarks (not part of the test command): builds an optimised tree and
# runs every program in bench/. Each prints ratios against a reference
# measured in the same run, so the figures compare across machines.
# Usage: bash scripts/bench.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=build-bench
if [ -d "$build" ]; then
  meson setup --reconfigure "$build" -Dtests=false >/dev/null
else
  meson setup "$build" -Dtests=false --buildtype=release >/dev/null
fi
ninja -C "$build" >/dev/null
for b in "$build"/bench/*_bench; do
  echo "== $(basename "$b")"
  "$b" "$@"
done
