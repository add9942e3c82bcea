#!/usr/bin/env bash
# Install the Debian 12 packages that building and testing libtechcorp need,
# only those missing. Runs apt-get as root (or through sudo).
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  libsqlite3-dev libsodium-dev libcjson-dev libcurl4-openssl-dev
  libmicrohttpd-dev check clang-format sqlite3 binutils
)
# The scale-out adapters' client libraries (the build uses them when they
# are there, meson features 'postgres', 'rabbitmq', 'redis').
packages+=(libpq-dev librabbitmq-dev libhiredis-dev)
if [ "${1:-}" = "--test" ]; then
  packages+=(g++)
  # The real servers the scale-out suites run against (scripts/services.sh)
  # and what that script uses to find free ports.
  packages+=(postgresql postgresql-contrib rabbitmq-server redis-server
    iproute2 python3)
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
