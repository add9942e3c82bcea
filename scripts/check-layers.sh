#!/usr/bin/env bash
# The layers of lib/ (see README "How it is built" and doc/conventions.md):
#   lib/api/       the JSON API: only the public typed API (include/techcorp)
#                  and core helpers; no module's private header, no SQL;
#   lib/<module>/  a domain module: its own headers, core's and the public
#                  ones; never another module's private header;
#   lib/core/      the ground floor: nothing from lib/api or a module.
# Fails naming every line that breaks a rule.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
fail() { # rule, grep output
  [ -n "$2" ] || return 0
  echo "check-layers: $1:"
  printf '%s\n' "$2" | sed 's/^/  /'
  failed=1
}

# Directories of lib/ that are domain modules: everything but the layers
# and the ports' implementations.
modules=()
for d in lib/*/; do
  d=${d#lib/}
  d=${d%/}
  case $d in api | core | adapters) ;; *) modules+=("$d") ;; esac
done
alt=$(
  IFS='|'
  echo "${modules[*]}"
)

# lib/api: no module internals (a quoted include of a module's directory),
# no SQL (statement keywords opening a string), no store calls.
fail "lib/api includes a module's private header" \
  "$(grep -nE "#include \"($alt)/" lib/api/*.[ch] || true)"
fail "lib/api holds SQL" \
  "$(grep -nE "\"[[:space:]]*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH)[[:space:]]" lib/api/*.[ch] || true)"
fail "lib/api talks to the store" \
  "$(grep -nE "\btc__(db_|txn_)" lib/api/*.[ch] || true)"

# lib/<module>: another module's private header, or the JSON layer's.
for m in "${modules[@]}"; do
  others=$(printf '%s\n' "${modules[@]}" api | grep -vx "$m" | paste -sd'|')
  fail "lib/$m includes another module's private header" \
    "$(grep -nE "#include \"($others)/" "lib/$m"/*.[ch] || true)"
done

# lib/core: nothing from above it.
fail "lib/core includes a header from above it" \
  "$(grep -nE "#include \"(api|$alt|adapters)/" lib/core/*.[ch] || true)"

if [ "$failed" -ne 0 ]; then
  echo "check-layers: FAILED"
  exit 1
fi
echo "check-layers: lib/api, ${#modules[@]} modules and lib/core keep their layers"
