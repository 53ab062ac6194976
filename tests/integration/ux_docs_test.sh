#!/usr/bin/env bash
# Man pages render without groff warnings; bash completion loads and
# completes subcommands and flags; --version names the library versions.
set -euo pipefail
src=${SLSFLOW_SOURCE_DIR:?}
bin=${SLSFLOW_BIN:?}
fail=0

for page in "$src"/man/*.1; do
  err=$(groff -t -ww -man -Tutf8 "$page" 2>&1 >/dev/null) || true  # -t: tables (tbl)
  if [[ -n "$err" ]]; then
    echo "FAIL: $page renders with warnings: $err"
    fail=1
  fi
done
for cmd in consume produce shards groups emulator; do
  [[ -f "$src/man/slsflow-$cmd.1" ]] || { echo "FAIL: man/slsflow-$cmd.1 is missing"; fail=1; }
done

complete_words() {  # complete_words "slsflow con" -> COMPREPLY words
  bash --norc --noprofile -c '
    source "$1"
    read -ra COMP_WORDS <<<"$2"
    [[ "$2" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _slsflow
    echo "${COMPREPLY[*]}"' _ "$src/completions/slsflow.bash" "$1"
}
out=$(complete_words "slsflow con")
[[ "$out" == *consume* && "$out" == *configure* && "$out" == *config* ]] || { echo "FAIL: 'slsflow con' completes to '$out'"; fail=1; }
out=$(complete_words "slsflow consume --fr")
[[ "$out" == *--from* ]] || { echo "FAIL: consume flags: '$out'"; fail=1; }
out=$(complete_words "slsflow groups ")
[[ "$out" == *lag* && "$out" == *reset* ]] || { echo "FAIL: groups verbs: '$out'"; fail=1; }
out=$(complete_words "slsflow consume -f ")
[[ "$out" == *jsonl* && "$out" == *pretty* ]] || { echo "FAIL: formats: '$out'"; fail=1; }

v=$("$bin" --version)
for lib in libcurl lz4 zstd; do
  [[ "$v" == *"$lib "* ]] || { echo "FAIL: --version lacks $lib: $v"; fail=1; }
done

set +e
"$bin" --no-such-flag >/dev/null 2>&1; rc=$?
set -e
[[ $rc -eq 2 ]] || { echo "FAIL: an unknown flag exits $rc, not 2"; fail=1; }

[[ $fail -eq 0 ]] && echo "ok: man pages, completions, --version, usage exit code"
exit $fail
