#!/usr/bin/env bash
# The shared library exports exactly the functions declared TC_EXTERN in the
# public headers: no internal helper leaks out, no declared function is
# missing. Usage: check-symbols.sh LIBRARY.so INCLUDE_DIR
set -euo pipefail
lib=$1
inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' |
  sed 's/@.*//' | sort -u >"$tmp/exported"
python3 - "$inc" >"$tmp/declared" <<'PY'
import pathlib, re, sys
names = set()
root = pathlib.Path(sys.argv[1])
for header in [*root.rglob("*.h"), *root.rglob("*.h.in")]:
    text = re.sub(r"/\*.*?\*/", " ", header.read_text(), flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"#[^\n]*", " ", text)  # macros, including TC_EXTERN's own
    for decl in text.split(";"):
        if "TC_EXTERN" not in decl:
            continue
        m = re.search(r"([A-Za-z_]\w*)\s*\(", decl.split("TC_EXTERN", 1)[1])
        if m:
            names.add(m.group(1))
print("\n".join(sorted(names)))
PY

if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "exported symbols (+) differ from TC_EXTERN declarations (-)"
  exit 1
fi
echo "$(wc -l <"$tmp/declared") public symbols, all exported, nothing else"
