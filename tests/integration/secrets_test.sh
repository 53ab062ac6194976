#!/usr/bin/env bash
# The secret never shows: not at any log level (-vv traces requests), not in
# error messages for a wrong key, not in ps after start-up when it came from
# a flag. A wrong secret exits 3 and says to check the secret.
set -uo pipefail
bin=${SLSFLOW_BIN:?}
work=$(mktemp -d)
source "${SLSFLOW_SOURCE_DIR:-$(dirname "$0")/../..}/scripts/lib/emulator.sh"
trap 'stop_emulator; rm -rf "$work"' EXIT
SECRET="s3cr3t-Zq9-value"
WRONG="wr0ng-Pk7-value"
TOKEN="sts-T0ken-value"

start_emulator "$bin" "$work" --project demo --logstore app:2 --access-key-id testid \
  --access-key-secret "$SECRET" || exit 1
ep=$EMU_URL
export SLSFLOW_ENDPOINT=$ep SLSFLOW_PROJECT=demo XDG_STATE_HOME=$work/state HOME=$work
fail=0
scan() {  # scan NAME FILE...: none of the secrets may appear
  if grep -a -n -e "$SECRET" -e "$WRONG" -e "$TOKEN" "${@:2}"; then
    echo "FAIL: $1 leaked a secret"
    fail=1
  fi
}

# Right secret from the environment, at every log level.
export ALIBABA_CLOUD_ACCESS_KEY_ID=testid ALIBABA_CLOUD_ACCESS_KEY_SECRET=$SECRET
for v in "" -v -vv; do
  printf 'line one\nline two\n' | "$bin" produce -l app $v --stats >"$work/p.out" 2>"$work/p.err" || { echo "FAIL: produce $v"; cat "$work/p.err"; fail=1; }
  "$bin" consume -l app $v --name "s$v" --from begin -e >"$work/c.out" 2>"$work/c.err" || { echo "FAIL: consume $v"; cat "$work/c.err"; fail=1; }
  "$bin" shards list -l app $v >"$work/s.out" 2>"$work/s.err" || { echo "FAIL: shards $v"; fail=1; }
  "$bin" config show $v >"$work/cfg.out" 2>"$work/cfg.err" || { echo "FAIL: config show $v"; fail=1; }
  scan "commands with $v" "$work"/p.* "$work"/c.* "$work"/s.* "$work"/cfg.*
done
grep -q "Authorization: <redacted>" "$work/c.err" || { echo "FAIL: -vv does not trace requests with Authorization redacted"; fail=1; }
[[ $(wc -l <"$work/c.out") -ge 2 ]] || { echo "FAIL: consume with the right key read nothing"; fail=1; }

# Wrong secret: exit 3, "check the access key secret", and neither secret shown.
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=$WRONG ALIBABA_CLOUD_SECURITY_TOKEN=$TOKEN
for cmd in "consume -l app --name w -e" "shards list -l app" "groups list -l app"; do
  # shellcheck disable=SC2086
  "$bin" $cmd -vv </dev/null >"$work/w.out" 2>"$work/w.err"
  rc=$?
  [[ $rc -eq 3 ]] || { echo "FAIL: '$cmd' with a wrong secret exits $rc, not 3"; cat "$work/w.err"; fail=1; }
  grep -q "check the access key" "$work/w.err" || { echo "FAIL: '$cmd': no advice"; cat "$work/w.err"; fail=1; }
  scan "'$cmd' with a wrong key" "$work"/w.*
done
echo "x" | "$bin" produce -l app >"$work/w.out" 2>"$work/w.err"
rc=$?
[[ $rc -eq 3 ]] || { echo "FAIL: produce with a wrong secret exits $rc"; cat "$work/w.err"; fail=1; }
scan "produce with a wrong key" "$work"/w.*
unset ALIBABA_CLOUD_SECURITY_TOKEN

# A secret given as a flag: warned about, and gone from the process's argv.
unset ALIBABA_CLOUD_ACCESS_KEY_SECRET
"$bin" consume -l app --name flag --from begin --access-key-secret "$SECRET" >"$work/f.out" 2>"$work/f.err" &
pid=$!
sleep 1
if tr '\0' ' ' </proc/$pid/cmdline | grep -q -e "$SECRET"; then
  echo "FAIL: the secret is still in /proc/$pid/cmdline"
  fail=1
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null
grep -q "visible to other users in ps" "$work/f.err" || { echo "FAIL: no ps warning for --access-key-secret"; fail=1; }
scan "consume with --access-key-secret" "$work"/f.*

# Nor in the emulator's own logs.
scan "the emulator" "$work"/emu.*
[[ $fail -eq 0 ]] && echo "ok: no secret in any output, argv scrubbed, wrong key exits 3"
exit $fail
