#!/usr/bin/env bash
# doc/api.md is what system.methods says today (regenerate with
# `build/examples/tc_call :memory: system.methods | scripts/gen-api-doc.py > doc/api.md`).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-test}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$build/examples/tc_call" :memory: system.methods | python3 scripts/gen-api-doc.py >"$tmp"
if ! diff -u doc/api.md "$tmp" >/dev/null; then
  diff -u doc/api.md "$tmp" | head -40
  echo "doc/api.md is out of date: regenerate it (see scripts/check-api-doc.sh)"
  exit 1
fi
echo "doc/api.md matches system.methods ($(grep -c '^### ' doc/api.md) methods)"
