#!/usr/bin/env bash
# The README demo, end to end against the embedded emulator:
#   1. start `slsflow emulator --data-dir`
#   2. produce a sample access log
#   3. consume it back as pretty output and as jsonl
#   4. kill -9 a consume mid-run, rerun it, and show there are no duplicates
#   5. shards list and groups lag
#   6. stop the emulator
# Everything lives in a temp dir that is removed at exit.
set -euo pipefail
bin=${1:-build/slsflow}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d -t slsflow-demo.XXXXXX)
source "$(dirname "$0")/lib/emulator.sh"
cleanup() {
  stop_emulator
  rm -rf "$work"
}
trap cleanup EXIT
# Bold headers and coloured output only on a terminal.
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m' color=always; else bold="" plain="" color=never; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
export SLSFLOW_STATE_DIR="$work/state" XDG_STATE_HOME="$work/state"

step "1. start the emulator (data in $work/data)"
start_emulator "$bin" "$work" --data-dir "$work/data" --project demo --logstore access:4 --no-auth
endpoint=$EMU_URL
echo "$ slsflow emulator --data-dir ... --logstore access:4   ->  $endpoint"
export SLSFLOW_ENDPOINT=$endpoint SLSFLOW_PROJECT=demo

step "2. produce a sample access log (50000 lines)"
python3 - "$work/access.log" <<'PY'
import random, sys
random.seed(7)
paths = ["/", "/index.html", "/api/v1/orders", "/api/v1/users/42", "/static/app.js", "/login"]
agents = ["curl/7.88.1", "Mozilla/5.0 (X11; Linux x86_64)", "Go-http-client/2.0"]
with open(sys.argv[1], "w") as f:
    for i in range(50000):
        f.write('10.0.%d.%d - - [25/Nov/2026:12:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "%s" seq=%d\n' % (
            random.randint(0, 255), random.randint(1, 254), (i // 60) % 60, i % 60, random.choice(paths),
            random.choice([200, 200, 200, 304, 404, 500]), random.randint(100, 90000), random.choice(agents), i))
PY
echo "$ slsflow produce -l access --input regex --regex '...(?P<status>\d+)...' --topic nginx --stats < access.log"
"$bin" produce -l access --input regex \
  --regex '^(?P<remote_addr>\S+) \S+ \S+ \[(?P<time_local>[^]]+)\] "(?P<request>[^"]*)" (?P<status>\d+) (?P<bytes>\d+) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)" seq=(?P<seq>\d+)$' \
  --topic nginx --source web-1 --max-batch-logs 100 --stats <"$work/access.log"

step "3a. consume from the beginning as pretty output (first 5 lines)"
echo "$ slsflow consume -l access --from begin -e -f pretty | head -5"
"$bin" consume -l access --from begin -e -f pretty --color "$color" | head -5

step "3b. the same as jsonl, into a file"
echo "$ slsflow consume -l access --from begin -e -f jsonl > all.jsonl"
"$bin" consume -l access --from begin -e -f jsonl >"$work/all.jsonl"
echo "$(wc -l <"$work/all.jsonl") lines; the first:"
head -1 "$work/all.jsonl"

step "4. kill -9 a consume mid-run, then rerun the same command"
echo "$ slsflow consume -l access --from begin -e -o out/ --max-per-fetch 1 &   ... kill -9"
"$bin" consume -l access --from begin -e -o "$work/out/" --max-per-fetch 1 \
  --commit-interval 50ms 2>/dev/null &
pid=$!
# Strike as soon as the first lines are on disk, well before the end.
for _ in $(seq 400); do
  [[ $(cat "$work"/out/* 2>/dev/null | wc -l) -gt 1000 ]] && break
  sleep 0.01
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
echo "killed after $(cat "$work"/out/* 2>/dev/null | wc -l) lines on disk"
echo "$ slsflow consume -l access --from begin -e -o out/      # the same command again: out/ keeps its state"
"$bin" consume -l access --from begin -e -o "$work/out/" --stats 2>&1 | sed "s|$work/||g"
total=$(cat "$work"/out/* | wc -l)
dups=$(cat "$work"/out/* | python3 -c 'import sys,json,collections; c=collections.Counter(json.loads(l)["seq"] for l in sys.stdin); print(sum(v-1 for v in c.values() if v>1))')
echo "after the rerun: $total lines for 50000 produced, $dups duplicated"
[[ $total -eq 50000 && $dups -eq 0 ]] || { echo "demo: expected 50000 lines and 0 duplicates" >&2; exit 1; }

step "5. shards and consumer-group lag"
echo "$ slsflow shards list -l access"
"$bin" shards list -l access
"$bin" groups create demo-group -l access --group-timeout 60 >/dev/null
echo "$ slsflow groups lag demo-group -l access      # a new group: everything is backlog"
"$bin" groups lag demo-group -l access

step "6. stop the emulator"
stop_emulator
echo "done; $work is removed"
