#!/usr/bin/env bash
# The shared library exports exactly the functions declared TC_EXTERN in the
# public headers: no internal helper leaks out, no declared function is
# missing. Usage: check-symbols.sh LIBRARY.so INCLUDE_DIR
set -euo pipefail
lib=$1
inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
  sed 's/@.*//' | sort -u >"$tmp/exported"
# Join declarations that span lines, then take the name before '('.
find "$inc" -name '*.h' -exec cat {} + | tr '\n' ' ' | sed 's/;/;\n/g' |
  grep -E '^[[:space:]]*TC_EXTERN' | sed -E 's/\(.*//' |
  grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*$' | tr -d ' ' | sort -u >"$tmp/declared"

if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "exported symbols (+) differ from TC_EXTERN declarations (-)"
  exit 1
fi
echo "$(wc -l <"$tmp/declared") public symbols, all exported, nothing else"
