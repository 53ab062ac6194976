#!/usr/bin/env bash
# The installed completion scripts are what the binary generates from its own
# flag tables, so they cannot drift; bash completes commands, flags and the
# closed sets of values; every flag --help shows is offered.
set -uo pipefail
src=${SLSFLOW_SOURCE_DIR:?}
bin=${SLSFLOW_BIN:?}
fail=0

for shell in bash zsh; do
  file=$src/completions/slsflow.bash
  [[ $shell == zsh ]] && file=$src/completions/_slsflow
  if ! diff -u "$file" <("$bin" completion $shell) >/dev/null; then
    echo "FAIL: $file differs from 'slsflow completion $shell'; run scripts/completions.sh"
    fail=1
  fi
done

bash -n "$src/completions/slsflow.bash" || { echo "FAIL: slsflow.bash does not parse"; fail=1; }
if command -v zsh >/dev/null; then  # not a dependency: checked where it is installed
  zsh -n "$src/completions/_slsflow" || { echo "FAIL: _slsflow does not parse"; fail=1; }
fi

complete_words() {  # complete_words "slsflow con" -> COMPREPLY words
  bash --norc --noprofile -c '
    source "$1"
    read -ra COMP_WORDS <<<"$2"
    [[ "$2" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _slsflow
    echo "${COMPREPLY[*]}"' _ "$src/completions/slsflow.bash" "$1"
}
expect() {  # expect "LINE" WORD... : each WORD is offered
  local out
  out=" $(complete_words "$1") "
  for w in "${@:2}"; do
    [[ $out == *" $w "* ]] || { echo "FAIL: '$1' does not offer '$w': $out"; fail=1; }
  done
}
refuse() {  # refuse "LINE" WORD... : no WORD is offered
  local out
  out=" $(complete_words "$1") "
  for w in "${@:2}"; do
    [[ $out != *" $w "* ]] || { echo "FAIL: '$1' offers '$w': $out"; fail=1; }
  done
}
expect "slsflow con" consume configure config
expect "slsflow groups " lag reset create
expect "slsflow groups lag -l app etl --" --interval --watch --format
expect "slsflow groups create etl --" --group-timeout --if-not-exists
refuse "slsflow groups create etl --" --timeout --request-timeout
refuse "slsflow consume -" -F
expect "slsflow produce -" -F --follow
expect "slsflow consume -f " jsonl pretty raw csv tsv template
expect "slsflow consume --from " begin end yesterday
expect "slsflow shards list --format " table json csv
expect "slsflow produce --compress " lz4 zstd deflate none
expect "slsflow config " show

# Every flag --help shows for a command is completed for it.
for path in consume produce "shards list" "shards split" "groups lag" "groups reset" emulator configure "config show"; do
  # shellcheck disable=SC2086
  flags=$("$bin" $path --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+')
  out=" $(complete_words "slsflow $path -") "
  for flag in $flags; do
    [[ $out == *" $flag "* ]] || { echo "FAIL: 'slsflow $path' --help shows $flag but completion lacks it"; fail=1; }
  done
done

[[ $fail -eq 0 ]] && echo "ok: completions match the binary and complete commands, flags and values"
exit $fail
