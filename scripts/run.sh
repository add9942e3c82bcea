#!/usr/bin/env bash
# The main job: install what is missing, build, and run the demo that walks
# the seed's flows through the library on a fresh SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
build=build
if [ -d "$build" ]; then
  meson setup --reconfigure "$build" -Dtests=false >/dev/null
else
  meson setup "$build" -Dtests=false --buildtype=release >/dev/null
fi
ninja -C "$build" >/dev/null

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
"$build/examples/demo" "$workdir/techcorp-demo.db"
