#!/usr/bin/env bash
# Records what a terminal shows for the pretty consume and for a backfill's
# progress bar, with script(1) so that slsflow sees a real TTY. Writes
# doc/transcripts/*.txt (raw, with ANSI colour) and *.plain.txt (colour
# stripped, what you read in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(pwd)/${1:-build/slsflow}
out=doc/transcripts
mkdir -p $out
work=$(mktemp -d)
source "$(dirname "$0")/lib/emulator.sh"
trap 'stop_emulator; rm -rf "$work"' EXIT
start_emulator "$bin" "$work" --project demo --logstore access:2 --no-auth || exit 1
export SLSFLOW_ENDPOINT=$EMU_URL SLSFLOW_PROJECT=demo XDG_STATE_HOME=$work/state
export COLUMNS=120 LINES=40
t0=$(date +%s)
python3 - >"$work/app.jsonl" <<'PY'
import json, random
random.seed(3)
levels = ["info"] * 6 + ["warn"] * 2 + ["error"]
msgs = ["GET /api/v1/orders 200 12ms", "user 42 logged in", "cache miss for key session:9f2c",
        "payment declined: insufficient funds", "GET /healthz 200 1ms", "retrying upstream call (attempt 2)"]
for i in range(400000):
    print(json.dumps({"level": random.choice(levels), "service": random.choice(["api", "auth", "billing"]),
                      "message": random.choice(msgs), "request_id": "%08x" % random.getrandbits(32)}))
PY
"$bin" produce -l access --input jsonl --topic app --source host-1 --max-batch-logs 500 <"$work/app.jsonl"
t1=$(( $(date +%s) + 1 ))

script -qfc "$bin consume -l access --name t1 --from begin --count 12 --color always" /dev/null >"$out/pretty-consume.txt"
# A backfill over the time range just written, slowed to a few groups per
# pull so the bar has time to draw.
script -qfc "$bin consume -l access --name t2 --from $t0 --to $t1 -o $work/backfill/ --max-per-fetch 1 --stats --color always" \
  /dev/null >"$out/backfill-progress.txt"
for f in "$out"/pretty-consume.txt "$out"/backfill-progress.txt; do
  sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r/\n/g' "$f" | grep -v '^\s*$' >"${f%.txt}.plain.txt"
done
ls -l $out
