#!/usr/bin/env bash
# PutLogs and PullLogs MB/s that `slsflow emulator` sustains on loopback
# (scripts/bench.sh emulator). Builds the load generator
# tests/perf/emulator_perftest.cc in the Release build in build/ (or
# $BUILD_DIR), starts the emulator in memory (and, second, with --data-dir
# on SQLite), and prints the figures. The generator and the emulator share
# this machine's cores, so the figures are a floor, comparable within a run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
seconds=${BENCH_SECONDS:-5}
threads=${BENCH_THREADS:-4}
shards=${BENCH_SHARDS:-4}
[[ -x "$build/slsflow" ]] || scripts/build.sh "$build" >/dev/null
gen="$build/tests/emulator_perftest"
# A CMake target like every other perftest (tests/perf/).
cmake --build "$build" --target emulator_perftest >/dev/null

tmp=$(mktemp -d)
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; return 0; }
trap cleanup EXIT

bench() {  # bench LABEL [emulator args...]
  local label=$1
  shift
  rm -f "$tmp/out"  # a reused file could still show the previous run's line
  "$build/slsflow" emulator --listen 127.0.0.1:0 --project demo --logstore "bench:$shards" --no-auth "$@" \
    >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 600); do [[ -s "$tmp/out" ]] && break; sleep 0.1; done
  local port
  port=$(sed -n 's|^listening http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/out")
  [[ -n "$port" ]] || { echo "bench_emulator: emulator did not start: $(cat "$tmp/err")" >&2; return 1; }
  echo "== emulator, $label: ${seconds}s of PutLogs from $threads connections, then PullLogs of $shards shards =="
  "$gen" "$port" "$seconds" "$threads" "$shards"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

bench "in memory"
bench "SQLite --data-dir" --data-dir "$tmp/data"
