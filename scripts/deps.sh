#!/usr/bin/env bash
# Installs the Debian packages slsflow needs to build and test. As root it
# installs what is missing; otherwise it prints the apt-get line to run.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  libcli11-dev libcurl4-openssl-dev libprotobuf-dev protobuf-compiler libspdlog-dev
  nlohmann-json3-dev doctest-dev liblz4-dev libzstd-dev zlib1g-dev libssl-dev
  libcpp-httplib-dev libsqlite3-dev
  # tests, fuzzing, formatting, man pages, packaging checks
  python3 clang libclang-rt-14-dev clang-format groff-base man-db openssl procps time dpkg-dev file
)

missing=()
# The official-SDK emulator test needs Node.js; a machine that already has a
# node on PATH (from any source) keeps it.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
