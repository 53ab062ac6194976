#!/usr/bin/env bash
# slsflow configure writes a 0600 profile; config show resolves it with the
# secret masked; consume picks up the Flink-style keys from the profile;
# a missing profile is exit 3 naming the ones that exist.
set -uo pipefail
bin=${SLSFLOW_BIN:?}
work=$(mktemp -d)
source "${SLSFLOW_SOURCE_DIR:-$(dirname "$0")/../..}/scripts/lib/emulator.sh"
trap 'stop_emulator; rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state
unset SLSFLOW_ENDPOINT SLSFLOW_PROJECT SLSFLOW_PROFILE ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET SLSFLOW_CONFIG
fail=0

start_emulator "$bin" "$work" --project demo --logstore app:2 --access-key-id cfgid \
  --access-key-secret cfg-Secret-42 || exit 1
ep=$EMU_URL

ALIBABA_CLOUD_ACCESS_KEY_SECRET=cfg-Secret-42 "$bin" configure --profile lab --endpoint "$ep" -p demo -l app \
  --access-key-id cfgid </dev/null 2>"$work/cfg.err" || { echo "FAIL: configure"; cat "$work/cfg.err"; fail=1; }
# The secret came from the environment, not the flag: put it in the file by hand as a user would.
file=$work/config/slsflow/config
[[ -f $file ]] || { echo "FAIL: configure wrote no $file"; exit 1; }
printf 'access_key_secret = cfg-Secret-42\nLOG_MAX_NUMBER_PER_FETCH = 7\nCONSUMER_BEGIN_POSITION = begin_cursor\n' >>"$file"
mode=$(stat -c %a "$file")
[[ $mode == 600 ]] || { echo "FAIL: config file mode $mode, not 600"; fail=1; }

out=$("$bin" config show --profile lab 2>&1)
echo "$out" | grep -q "cfgid" || { echo "FAIL: config show lacks the key id: $out"; fail=1; }
echo "$out" | grep -q "cfg-Secret-42" && { echo "FAIL: config show prints the secret"; fail=1; }
echo "$out" | grep -q "LOG_MAX_NUMBER_PER_FETCH" || { echo "FAIL: Flink key not shown"; fail=1; }

seq 1 50 | "$bin" produce --profile lab 2>"$work/p.err" || { echo "FAIL: produce with the profile"; cat "$work/p.err"; fail=1; }
# CONSUMER_BEGIN_POSITION=begin_cursor: no --from, yet everything is read.
n=$("$bin" consume --profile lab -e 2>"$work/c.err" | wc -l)
[[ $n -eq 50 ]] || { echo "FAIL: consume with CONSUMER_BEGIN_POSITION read $n of 50"; cat "$work/c.err"; fail=1; }

"$bin" shards list --profile nosuch >/dev/null 2>"$work/np.err"
rc=$?
[[ $rc -eq 3 ]] || { echo "FAIL: a missing profile exits $rc, not 3"; fail=1; }
grep -q "lab" "$work/np.err" || { echo "FAIL: the error does not name the existing profile: $(cat "$work/np.err")"; fail=1; }

chmod 644 "$file"
"$bin" config show --profile lab 2>&1 >/dev/null | grep -q "chmod 600" || { echo "FAIL: no warning for a readable config"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok: configure, config show (masked), profile use, Flink keys, missing profile, permissions"
exit $fail
