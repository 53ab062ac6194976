#!/usr/bin/env bash
# Line coverage of the whole suite (unit + integration), per folder.
#   scripts/coverage.sh [--html DIR]
# Builds build-cov/ with gcov counters (-O0), runs every CTest test, and
# prints gcovr's summary per source folder. Needs gcovr (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcovr >/dev/null || { echo "coverage: gcovr is missing: apt-get install gcovr" >&2; exit 1; }
scripts/build.sh build-cov -DCMAKE_BUILD_TYPE=Debug -DSLSFLOW_COVERAGE=ON -DSLSFLOW_WERROR=OFF
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov -j "$(nproc)" --output-on-failure -E 'torture' || true
# Counters of threaded code can race (-fprofile-update=atomic keeps them
# sane; gcov still prints the odd negative branch count, which gcovr 5.2
# cannot parse).
args=(--root . --object-directory build-cov --exclude 'tests/' --exclude 'build-cov/' --exclude-unreachable-branches
      --gcov-ignore-parse-errors --print-summary)
if [[ ${1:-} == --html ]]; then
  mkdir -p "$2"
  args+=(--html-details "$2/index.html")
fi
echo "== line coverage per folder =="
# Through a file, never /dev/stdout or /dev/null: gcovr replaces the file it
# writes, and once turned both into regular files on a machine.
report=$(mktemp)
trap 'rm -f "$report" "$report.summary"' EXIT
gcovr "${args[@]}" --txt "$report" >"$report.summary"
awk '
  /^[a-z].*\.(cc|h) / { split($1, p, "/"); dir = p[1]; if (p[1] == "core") dir = p[1] "/" p[2];
                        lines[dir] += $2; covered[dir] += $3 }
  END { for (d in lines) printf "%-14s %6d lines %6.1f%%\n", d, lines[d], 100 * covered[d] / lines[d] }' "$report" | sort
tail -3 "$report.summary"
