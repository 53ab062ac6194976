#!/usr/bin/env bash
# Builds (incrementally) and runs every test:
#   1. unit tests under ASan+UBSan (build-asan/);
#   2. the whole suite, unit + integration against `slsflow emulator`
#      (build/), whose CTest summary closes the run.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
status=0

echo "== build (Release) =="
scripts/build.sh build

echo "== unit tests under ASan+UBSan =="
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLSFLOW_SANITIZE=ON -DSLSFLOW_UNIT_ONLY=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit -j "$jobs" --output-on-failure || status=1

if [[ -x scripts/fuzz.sh && -z "${SLSFLOW_SKIP_FUZZ:-}" ]]; then
  echo "== fuzz smoke =="
  scripts/fuzz.sh --all "${SLSFLOW_FUZZ_SECONDS:-10}" || status=1
fi

echo "== all tests (unit + integration) =="
ctest --test-dir build -j "$jobs" --output-on-failure || status=1
exit $status
