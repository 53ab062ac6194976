#!/usr/bin/env bash
# The consume scale table (issue 20): shards 4, 16, 64, 256 x log groups of
# 50 KB, 512 KB and 5 MB (the largest the emulator's PutLogs accepts), each
# row `consume --from begin -e -f jsonl >/dev/null` at default flags (so
# --memory 40m) on one pinned core. Per row: MB/s of LogGroups per CPU-second
# of the consumer, its peak RSS, and the MB/s per core as a ratio to the
# 4-shard 50 KB row of the same run (the target: within 10 %, RSS <= 64 MB).
# A run also pays per shard, whatever the data: a reader thread, a GetCursor
# and the pull that finds the shard caught up. That setup is measured on an
# empty logstore of as many shards and shown apart, with the MB/s per core
# of the rest ("streaming"), since 128 MB over 256 shards is half a MB each.
#
#   scripts/bench_consume_scale.sh [BUILD_DIR]
#   env: BENCH_SCALE_MB (data per row, default 128; at least one group per
#        shard), BENCH_SCALE_SHARDS, BENCH_SCALE_GROUPS (space-separated),
#        BENCH_SCALE_RUNS (runs per row, default 3; the row is the median
#        MB/s per core and the highest RSS: one run's CPU time on a shared
#        machine varies by a third)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${SLSFLOW_BUILD_DIR:-$here/build}}
bin=${SLSFLOW_BIN:-$build/slsflow}
mb=${BENCH_SCALE_MB:-128}
shard_counts=${BENCH_SCALE_SHARDS:-"4 16 64 256"}
group_sizes=${BENCH_SCALE_GROUPS:-"51200 524288 5000000"}
runs=${BENCH_SCALE_RUNS:-3}
work=$(mktemp -d /tmp/slsflow-bench-scale.XXXXXX)
source "$here/scripts/lib/emulator.sh"
cleanup() { stop_emulator; rm -rf "$work"; }
trap cleanup EXIT

ncpu=$(nproc)
core_consumer=0
core_emulator=$((ncpu > 1 ? 1 : 0))

echo "== consume scale: default flags (--memory 40m), jsonl to /dev/null, consumer on core $core_consumer =="
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu cores (shared: compare rows of one run only)"
printf "%7s %9s %8s %12s %8s %9s %9s %12s %9s\n" shards "group KB" "MB" "MB/s/core" "RSS MB" "vs first" \
  "setup ms" "streaming" "vs first"
first=""
for shards in $shard_counts; do
  for group in $group_sizes; do
    total=$(python3 -c "print(max($mb, $shards * $group / 1048576 + 1))")
    EMU_CPU=$core_emulator start_emulator "$bin" "$work" --project demo --logstore "app:$shards" \
      --logstore "empty:$shards" --no-auth || exit 1
    python3 "$here/scripts/lib/fill_groups.py" "$EMU_URL" app "$shards" "$group" "$total" 2>/dev/null
    # Warm-up, not measured: the emulator compresses each group on its first pull.
    "$bin" consume --endpoint "$EMU_URL" -p demo -l app -q --from begin -e -f raw --field seq >/dev/null
    for run in $(seq "$runs"); do
      taskset -c "$core_consumer" "$here/scripts/lib/measure.py" "$work/time.$run" \
        "$bin" consume --endpoint "$EMU_URL" -p demo -l app -q --from begin -e -f jsonl --stats >/dev/null \
        2>"$work/stats.$run"
      taskset -c "$core_consumer" "$here/scripts/lib/measure.py" "$work/setup.$run" \
        "$bin" consume --endpoint "$EMU_URL" -p demo -l empty -q --from begin -e -f jsonl >/dev/null
    done
    stop_emulator
    row=$(python3 - "$work" "$runs" "$shards" "$group" "${first:-0 0}" <<'EOF'
import re, statistics, sys
work, runs, shards, group = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
first, first_streaming = (float(x) for x in sys.argv[5].split())
def cpu(path):
    wall, user, sys_, peak = open(path).read().split()
    return float(user) + float(sys_)
setup = statistics.median(cpu("%s/setup.%d" % (work, run)) for run in range(1, runs + 1))
per_core, streaming, rss = [], [], 0
for run in range(1, runs + 1):
    text = open("%s/stats.%d" % (work, run)).read()
    m = re.search(r"in ([\d.]+) s .*?([\d.]+) MB/s pulled", text)
    if not m:
        sys.exit("no stats line: %r" % text[-300:])
    raw_mb = float(m.group(1)) * float(m.group(2))
    wall, user, sys_, peak = open("%s/time.%d" % (work, run)).read().split()
    per_core.append(raw_mb / max(float(user) + float(sys_), 1e-3))
    streaming.append(raw_mb / max(float(user) + float(sys_) - setup, 1e-3))
    rss = max(rss, int(peak))
median, median_streaming = statistics.median(per_core), statistics.median(streaming)
ratio = median / first if first else 1.0
ratio_streaming = median_streaming / first_streaming if first_streaming else 1.0
print("%7d %9d %8.0f %12.1f %8.1f %9.2f %9.0f %12.1f %9.2f|%.3f %.3f" % (
    shards, group // 1024, raw_mb, median, rss / 1024, ratio, setup * 1000, median_streaming, ratio_streaming,
    median, median_streaming))
EOF
)
    [[ -z $first ]] && first=${row##*|}
    echo "${row%|*}"
  done
done
