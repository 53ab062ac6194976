#!/usr/bin/env bash
# Benchmarks. Speed and memory targets live here, never in unit tests.
# Figures from one run are only comparable within that run (shared, noisy
# machines), which is why each benchmark measures its peer in the same run.
#   scripts/bench.sh core|emulator|consume|produce|all
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
scripts/build.sh build >/dev/null
run() {
  case $1 in
    core)
      echo "== core micro-benchmarks (one core) =="
      taskset -c 0 build/tests/core_perftest "${BENCH_SECONDS:-1}"
      [[ -x build/tests/consume_format_perftest ]] && taskset -c 0 build/tests/consume_format_perftest || true
      ;;
    emulator|consume|produce)
      if [[ -x scripts/bench_$1.sh ]]; then
        scripts/bench_$1.sh
      else
        echo "bench: scripts/bench_$1.sh does not exist yet" >&2
        return 1
      fi
      ;;
    *) echo "usage: scripts/bench.sh core|emulator|consume|produce|all" >&2; exit 2 ;;
  esac
}
if [[ $what == all ]]; then
  for w in core emulator consume produce; do run $w || true; done
else
  run "$what"
fi
