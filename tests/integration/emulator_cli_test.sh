#!/usr/bin/env bash
# `slsflow emulator` as a process: the ready line, port 0, clean stop on
# SIGINT/SIGTERM, usage errors, and a busy port.
set -euo pipefail
BIN=${SLSFLOW_BIN:?set SLSFLOW_BIN}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; rm -rf "$tmp"; return 0; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

starts=0
start() {  # start ARGS... ; sets pid and port
  # A fresh file per start: the child truncates its redirection only after
  # the fork, so a reused file could still show the previous run's line.
  starts=$((starts + 1))
  out="$tmp/out.$starts"
  "$BIN" emulator "$@" >"$out" 2>"$tmp/err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    [[ -s "$out" ]] && break
    sleep 0.05
  done
  sleep 0.1
  line=$(head -n1 "$out")
  [[ "$line" =~ ^listening\ http://127\.0\.0\.1:([0-9]+)$ ]] || fail "ready line was '$line' ($(cat "$tmp/err"))"
  port=${BASH_REMATCH[1]}
  [[ $(wc -l <"$out") -eq 1 ]] || fail "more than one line on stdout: $(cat "$out")"
}

for sig in INT TERM; do
  start --listen 127.0.0.1:0 --project demo --logstore app:4 --no-auth
  code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
    -H "Host: demo.127.0.0.1" "http://127.0.0.1:$port/logstores/app/shards")
  [[ "$code" == 200 ]] || fail "ListShards answered $code"
  [[ $(grep -o shardID "$tmp/body" | wc -l) -eq 4 ]] || fail "expected 4 shards: $(cat "$tmp/body")"
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "exit code $rc after SIG$sig"
done

# A fixed port that is taken: runtime failure, with a message.
start --listen 127.0.0.1:0 --no-auth
taken=$port
rc=0
"$BIN" emulator --listen "127.0.0.1:$taken" --no-auth >"$tmp/out2" 2>"$tmp/err2" || rc=$?
[[ $rc -eq 1 ]] || fail "busy port: exit $rc"
grep -q "cannot listen" "$tmp/err2" || fail "busy port message: $(cat "$tmp/err2")"

# Usage errors exit 2.
for args in "--listen nonsense --no-auth" "--listen 127.0.0.1:0" "--access-key-id a --no-auth --access-key-secret b" \
  "--logstore app:0 --no-auth" "--fault-5xx 2 --no-auth"; do
  rc=0
  # shellcheck disable=SC2086
  timeout 10 "$BIN" emulator $args >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 2 ]] || fail "'$args' exited $rc, expected 2"
done

# With keys: an unsigned request is refused, the ready line is the same.
start --listen 127.0.0.1:0 --access-key-id testid --access-key-secret testsecret
code=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Date: $(date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
  "http://127.0.0.1:$port/logstores/app/shards")
[[ "$code" == 401 ]] || fail "unsigned request answered $code"
grep -q '"errorCode":"Unauthorized"' "$tmp/body" || fail "body: $(cat "$tmp/body")"
echo "emulator_cli_test: ok"
