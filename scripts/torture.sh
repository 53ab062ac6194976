#!/usr/bin/env bash
# Long-running crash and fault loops.
#   scripts/torture.sh --minutes N            produce + consume + emulator restarts under
#                                             faults for N minutes (CI runs 1); one summary line
#   scripts/torture.sh [area] [BUILD_DIR]     areas: consume, all (kill loops of the consume test)
# Environment: TORTURE_ROUNDS (default 5), TORTURE_KILLS (default 300), SLSFLOW_BIN.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == --minutes ]]; then
  export SLSFLOW_BIN=${SLSFLOW_BIN:-$here/build/slsflow}
  exec python3 "$here/tests/integration/torture.py" --minutes "${2:?--minutes N}" "${@:3}"
fi
area=${1:-all}
build=${2:-${SLSFLOW_BUILD_DIR:-$here/build}}
export SLSFLOW_BIN=${SLSFLOW_BIN:-$build/slsflow}
rounds=${TORTURE_ROUNDS:-5}
kills=${TORTURE_KILLS:-300}

torture_consume() {
  # kill -9 the consumer (-o DIR/ and >> file) at random moments while a
  # producer writes and shards split and merge; every round must end with
  # 0 lost, 0 duplicated. Each round has its own seed, printed for replay.
  for r in $(seq "$rounds"); do
    seed=$((RANDOM * 32768 + RANDOM))
    echo "consume round $r/$rounds: $kills kills, seed $seed"
    CONSUME_CRASH_KILLS=$kills CONSUME_CRASH_SEED=$seed python3 "$here/tests/integration/consume_crash_test.py"
  done
}

case $area in
  consume) torture_consume ;;
  all) torture_consume ;;
  *) echo "unknown area '$area' (consume)" >&2; exit 2 ;;
esac
