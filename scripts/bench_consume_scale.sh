#!/usr/bin/env bash
# The consume scale table (issue 20): shards 4, 16, 64, 256 x log groups of
# 50 KB, 512 KB and 5 MB (the largest the emulator's PutLogs accepts), each
# row `consume --from begin -e -f jsonl >/dev/null` at default flags (so
# --memory 40m) on one pinned core. Per row: MB/s of LogGroups per CPU-second
# of the consumer, its peak RSS, and the MB/s per core as a ratio to the
# 4-shard 50 KB case (the target: within 10 %, RSS <= 64 MB). That reference
# is measured again in every row, its runs taken in turn with the row's, on a
# 4-shard logstore of 50 KB groups beside the row's: this machine's speed
# drifts by a fifth within minutes, more than the differences looked for.
# A run also pays per shard, whatever the data: a reader thread, a GetCursor
# and at least one pull, about half a millisecond of CPU here. A backfill of
# a 256-shard logstore reads gigabytes, so each row holds at least
# BENCH_SCALE_MB_PER_SHARD per shard (128 MB over 256 shards would be half a
# MB each, and the table would measure HTTP round trips, not reading). That
# setup is still measured, on an empty logstore of as many shards, and shown
# apart with the MB/s per core of the rest ("streaming").
#
#   scripts/bench_consume_scale.sh [BUILD_DIR]
#   env: BENCH_SCALE_MB (data per row, default 256; at least one group and
#        BENCH_SCALE_MB_PER_SHARD, default 4, per shard),
#        BENCH_SCALE_SHARDS, BENCH_SCALE_GROUPS (space-separated),
#        BENCH_SCALE_RUNS (runs per row, default 7; the row is the median
#        MB/s per core, the median of its runs' ratios to the reference run
#        taken just before each, and the highest RSS: one run's CPU time on
#        a shared machine varies by a third, even between adjacent runs)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${SLSFLOW_BUILD_DIR:-$here/build}}
bin=${SLSFLOW_BIN:-$build/slsflow}
mb=${BENCH_SCALE_MB:-256}
mb_per_shard=${BENCH_SCALE_MB_PER_SHARD:-4}
shard_counts=${BENCH_SCALE_SHARDS:-"4 16 64 256"}
group_sizes=${BENCH_SCALE_GROUPS:-"51200 524288 5000000"}
runs=${BENCH_SCALE_RUNS:-7}
work=$(mktemp -d /tmp/slsflow-bench-scale.XXXXXX)
source "$here/scripts/lib/emulator.sh"
cleanup() { stop_emulator; rm -rf "$work"; }
trap cleanup EXIT

ncpu=$(nproc)
core_consumer=0
core_emulator=$((ncpu > 1 ? 1 : 0))

echo "== consume scale: default flags (--memory 40m), jsonl to /dev/null, consumer on core $core_consumer =="
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu cores (shared: compare rows of one run only)"
echo "vs 4x50: the row's MB/s per core over the 4-shard 50 KB reference's, their runs taken in turn"
echo "middle: the range of the middle half of those per-run ratios, to tell a gap from this machine's noise"
printf "%7s %9s %8s %12s %8s %9s %11s %9s %12s %9s\n" shards "group KB" "MB" "MB/s/core" "RSS MB" "vs 4x50" \
  "middle" "setup ms" "streaming" "vs 4x50"
measure() {  # NAME LOGSTORE: one timed run, into $work/time.NAME and $work/stats.NAME
  taskset -c "$core_consumer" "$here/scripts/lib/measure.py" "$work/time.$1" \
    "$bin" consume --endpoint "$EMU_URL" -p demo -l "$2" -q --from begin -e -f jsonl --stats >/dev/null \
    2>"$work/stats.$1"
}
for shards in $shard_counts; do
  for group in $group_sizes; do
    total=$(python3 -c "print(max($mb, $shards * $mb_per_shard, $shards * $group / 1048576 + 1))")
    EMU_CPU=$core_emulator start_emulator "$bin" "$work" --project demo --logstore "app:$shards" \
      --logstore "empty:$shards" --logstore "ref:4" --logstore "refempty:4" --no-auth || exit 1
    python3 "$here/scripts/lib/fill_groups.py" "$EMU_URL" app "$shards" "$group" "$total" 2>/dev/null
    python3 "$here/scripts/lib/fill_groups.py" "$EMU_URL" ref 4 51200 "$mb" 2>/dev/null
    # Warm-up, not measured: the emulator compresses each group on its first pull.
    for ls in app ref; do
      "$bin" consume --endpoint "$EMU_URL" -p demo -l $ls -q --from begin -e -f raw --field seq >/dev/null
    done
    for run in $(seq "$runs"); do
      measure "ref.$run" ref
      measure "app.$run" app
      measure "setup.$run" empty
      measure "refsetup.$run" refempty
    done
    stop_emulator
    python3 - "$work" "$runs" "$shards" "$group" <<'EOF'
import re, statistics, sys
work, runs, shards, group = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def times(name):
    wall, user, sys_, peak = open("%s/time.%s" % (work, name)).read().split()
    return float(user) + float(sys_), int(peak)
def pulled_mb(name):
    text = open("%s/stats.%s" % (work, name)).read()
    m = re.search(r"in ([\d.]+) s .*?([\d.]+) MB/s pulled", text)
    if not m:
        sys.exit("no stats line: %r" % text[-300:])
    return float(m.group(1)) * float(m.group(2))
def rates(name, setup_name):
    """Per run: MB/s per core, and of the part past the setup; peak RSS; setup CPU-s."""
    setup = statistics.median(times("%s.%d" % (setup_name, r))[0] for r in range(1, runs + 1))
    per_core, streaming, rss = [], [], 0
    for r in range(1, runs + 1):
        cpu, peak = times("%s.%d" % (name, r))
        mb = pulled_mb("%s.%d" % (name, r))
        per_core.append(mb / max(cpu, 1e-3))
        streaming.append(mb / max(cpu - setup, 1e-3))
        rss = max(rss, peak)
    return mb, per_core, streaming, rss, setup
mb, per_core, streaming, rss, setup = rates("app", "setup")
_, ref_core, ref_streaming, _, _ = rates("ref", "refsetup")
# Each run against the reference run taken just before it, then the median
# of those ratios: drift between pairs cancels out.
ratios = sorted(a / r for a, r in zip(per_core, ref_core))
ratio = statistics.median(ratios)
# The middle half (quartiles): a row whose range reaches 0.90 is not shown
# to miss the target, and one whose range stays under it is.
quarter = len(ratios) // 4
middle = "%.2f-%.2f" % (ratios[quarter], ratios[-1 - quarter])
ratio_streaming = statistics.median(a / r for a, r in zip(streaming, ref_streaming))
print("%7d %9d %8.0f %12.1f %8.1f %9.2f %11s %9.0f %12.1f %9.2f" % (
    shards, group // 1024, mb, statistics.median(per_core), rss / 1024, ratio, middle, setup * 1000,
    statistics.median(streaming), ratio_streaming))
EOF
  done
done
