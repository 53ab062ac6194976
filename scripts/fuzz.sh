#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan and runs them.
#   scripts/fuzz.sh TARGET SECONDS      one target (name without _fuzz), e.g. loggroup 600
#   scripts/fuzz.sh --all SECONDS       every target, one after another
#   scripts/fuzz.sh --list
# Seed corpora come from tests/data/golden (scripts/fuzz_corpus.py); crashes
# are written to build-fuzz/crashes/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSLSFLOW_FUZZ=ON -DSLSFLOW_UNIT_ONLY=ON -DSLSFLOW_WERROR=OFF >/dev/null
fi
targets=$(ls tests/fuzz/*_fuzz.cc | xargs -n1 basename | sed 's/_fuzz\.cc$//')
if [[ ${1:-} == --list ]]; then echo "$targets"; exit 0; fi
if [[ ${1:-} == --all ]]; then
  run=$targets
  secs=${2:-10}
else
  run=${1:?usage: scripts/fuzz.sh TARGET SECONDS | --all SECONDS | --list}
  secs=${2:-60}
fi
if ! cmake --build $build -j "$(nproc)" --target $(for t in $run; do printf '%s_fuzz ' "$t"; done) >$build/build.log 2>&1; then
  grep -E "error|FAILED" $build/build.log | head -20 >&2
  echo "fuzz: build failed; see $build/build.log" >&2
  exit 1
fi
mkdir -p $build/crashes
status=0
for t in $run; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  python3 scripts/fuzz_corpus.py "$t" "$corpus" "${SLSFLOW_GOLDEN_DIR:-tests/data/golden}"
  echo "fuzz: $t for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1 \
      "$build/tests/${t}_fuzz" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$build/crashes/${t}-" -print_final_stats=1 "$corpus" 2>"$build/${t}.log"; then
    echo "fuzz: $t FAILED; see $build/${t}.log and $build/crashes/" >&2
    tail -30 "$build/${t}.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|cov:" "$build/${t}.log" | tail -3 | sed "s/^/  $t: /"
  fi
done
exit $status
