#!/usr/bin/env bash
# Every C source and header is formatted by the root .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' '*.cpp' 2>/dev/null || find include lib tests examples bench -name '*.[ch]')
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
