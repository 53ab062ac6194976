#!/usr/bin/env bash
# Acceptance 2: the official Node SDKs (aliyun-sdk, @alicloud/log,
# @alicloud/sls20201230) work against `slsflow emulator` unchanged. They are
# installed with npm into $SLSFLOW_BUILD_DIR/npm-sdk (kept between runs).
# Without node/npm or the registry the test is skipped (exit 0, "SKIP: ...").
# The Python SDK is not covered: it is not installable here (no PyPI).
set -euo pipefail
BIN=${SLSFLOW_BIN:?set SLSFLOW_BIN}
here=$(cd "$(dirname "$0")" && pwd)
cache=${SLSFLOW_BUILD_DIR:-/tmp}/npm-sdk
packages=(aliyun-sdk@1.12.10 @alicloud/log@1.2.6 @alicloud/sls20201230@5.9.0)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not installed (apt-get install nodejs npm to run the SDK tests)"
  exit 0
fi
mkdir -p "$cache"
stamp="$cache/.installed-${packages[*]// /_}"
stamp=${stamp//\//_}
stamp="$cache/$(basename "$stamp")"
if [[ ! -f "$stamp" ]]; then
  [[ -f "$cache/package.json" ]] || echo '{"name":"slsflow-emulator-sdk-test","private":true}' >"$cache/package.json"
  if ! (cd "$cache" && timeout 300 npm install --no-audit --no-fund --loglevel=error "${packages[@]}" >"$cache/install.log" 2>&1); then
    echo "SKIP: npm install failed (registry unreachable?): $(tail -n 3 "$cache/install.log" | tr '\n' ' ')"
    exit 0
  fi
  touch "$stamp"
fi

out=$(mktemp)
"$BIN" emulator --listen 127.0.0.1:0 --project demo --logstore app:2 \
  --access-key-id testid --access-key-secret testsecret >"$out" 2>"$out.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$out" "$out.err"' EXIT
for _ in $(seq 100); do [[ -s "$out" ]] && break; sleep 0.05; done
port=$(sed -n 's|^listening http://127.0.0.1:\([0-9]*\)$|\1|p' "$out")
[[ -n "$port" ]] || { echo "FAIL: emulator did not start: $(cat "$out.err")"; exit 1; }

SDK_NODE_MODULES="$cache/node_modules" timeout 60 node "$here/emulator_sdk_driver.js" "$port"
echo "emulator_sdk_test: ok (Python SDK not covered: PyPI is not reachable here)"
