#!/usr/bin/env bash
# PutLogs and PullLogs MB/s that `slsflow emulator` sustains on loopback
# (scripts/bench.sh emulator). Builds the load generator
# tests/perf/emulator_perftest.cc in the Release build in build/ (or
# $BUILD_DIR), starts the emulator in memory (and, second, with --data-dir
# on SQLite), and prints the figures. The generator and the emulator share
# this machine's cores, so the figures are a floor, comparable within a run.
# SLSFLOW_BASELINE_BIN=PATH (an older slsflow) runs each bench against it
# too, alternating with this build's, so before/after comes from one run.
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

bench() {  # bench LABEL BINARY [emulator args...]
  local label=$1 bin=$2
  shift 2
  rm -rf "$tmp/out" "$tmp/data"  # a reused file could still show the previous run's line
  "$bin" emulator --listen 127.0.0.1:0 --project demo --logstore "bench:$shards" --no-auth "$@" \
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

baseline=${SLSFLOW_BASELINE_BIN:-}
for _ in $(seq "${BENCH_ROUNDS:-1}"); do
  bench "in memory" "$build/slsflow"
  if [[ -n $baseline ]]; then bench "in memory, baseline $baseline" "$baseline"; fi
  bench "SQLite --data-dir" "$build/slsflow" --data-dir "$tmp/data"
  if [[ -n $baseline ]]; then bench "SQLite --data-dir, baseline $baseline" "$baseline" --data-dir "$tmp/data"; fi
done
