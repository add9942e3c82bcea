#!/usr/bin/env bash
# The main job: install what is missing, build, and run the demo that walks
# the seed's flows through the library on a fresh SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
build=build
reconf=()
[ -d "$build" ] && reconf=(--reconfigure)
log=$(mktemp)
if ! meson setup "${reconf[@]}" "$build" -Dtests=false --buildtype=release >"$log" 2>&1 ||
  ! ninja -C "$build" >>"$log" 2>&1; then
  cat "$log"
  rm -f "$log"
  exit 1
fi
rm -f "$log"

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
"$build/examples/demo" "$workdir/techcorp-demo.db"
