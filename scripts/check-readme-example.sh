#!/usr/bin/env bash
# The C program in README.md is examples/readme.c, byte for byte; it is
# compiled against an installed copy of the library through pkg-config and
# run, so the README cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The README's first ```c block must equal examples/readme.c.
awk '/^```c$/{on=1;next} /^```$/{if(on){exit}} on' README.md >"$stage/readme.c"
if ! diff -u examples/readme.c "$stage/readme.c"; then
  echo "README.md's C example differs from examples/readme.c"
  exit 1
fi

meson install -C "$build" --destdir "$stage/root" >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
libdir=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
pcdir="$stage/root$prefix/$libdir/pkgconfig"
export PKG_CONFIG_PATH="$pcdir"
export PKG_CONFIG_SYSROOT_DIR="$stage/root"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$stage/readme" "$stage/readme.c" \
  $(pkg-config --cflags --libs techcorp)
LD_LIBRARY_PATH="$stage/root$prefix/$libdir" "$stage/readme" "$stage/readme.db"
