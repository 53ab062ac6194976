#!/usr/bin/env bash
# Configures (once) and builds one build directory incrementally.
#   scripts/build.sh [DIR] [extra cmake args...]
# SLSFLOW_BUILD_TARGET=slsflow builds only the binary (setup.sh: quick).
set -euo pipefail
cd "$(dirname "$0")/.."
# Relative paths in ccache's hashes: a fresh clone elsewhere (CI) still hits
# the cache that earlier builds filled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)}
export CCACHE_NOHASHDIR=1
dir=${1:-build}
shift || true
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$dir" -j "$jobs" ${SLSFLOW_BUILD_TARGET:+--target "$SLSFLOW_BUILD_TARGET"}
