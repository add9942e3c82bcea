#!/usr/bin/env bash
# Install the Debian 12 packages that building and testing libtechcorp need,
# only those missing. Runs apt-get as root (or through sudo).
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  libsqlite3-dev libsodium-dev libcjson-dev libcurl4-openssl-dev
  libmicrohttpd-dev check clang-format sqlite3 binutils
)
if [ "${1:-}" = "--test" ]; then
  packages+=(g++)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
