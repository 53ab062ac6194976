# bash completion for slsflow. Subcommands and flags; values are left to
# the default completion (files), except where the set is closed.
_slsflow() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local commands="consume produce shards groups emulator configure config"
  local common="--endpoint -p --project -l --logstore --profile --access-key-id --access-key-secret --security-token --sign --region --ca-file --insecure --timeout -v --verbose -q --quiet --color --help"
  local cmd="" sub="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
    esac
  done
  case $prev in
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --sign) COMPREPLY=($(compgen -W "v1 v4" -- "$cur")); return ;;
    -o|--output) if [[ $cmd != consume ]]; then COMPREPLY=($(compgen -W "table json csv" -- "$cur")); return; fi ;;
    -f|--format) COMPREPLY=($(compgen -W "jsonl raw csv tsv pretty" -- "$cur")); return ;;
    --input) COMPREPLY=($(compgen -W "line jsonl regex csv" -- "$cur")); return ;;
    --compress) COMPREPLY=($(compgen -W "lz4 zstd deflate none" -- "$cur")); return ;;
    --delivery) COMPREPLY=($(compgen -W "at-least-once at-most-once" -- "$cur")); return ;;
    --on-invalid) COMPREPLY=($(compgen -W "fail skip-with-warning raw" -- "$cur")); return ;;
    --from|--to) COMPREPLY=($(compgen -W "begin end checkpoint -15m -1h yesterday today" -- "$cur")); return ;;
    --tls-cert|--tls-key|--ca-file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
    return
  fi
  local flags=""
  case $cmd in
    consume) flags="--from --to -e --exit-at-end -c --count --idle-exit --last --fetch-interval --max-per-fetch --discovery-interval --shards --query -f --format --field -F --template --fields --binary --grep --where --ordered --window --with-shard --with-cursor --stats --no-progress -o --output --rotate-size --rotate-interval --state --name --reset --commit-interval --delivery --from-fallback --group --consumer --heartbeat-interval --group-timeout --in-order --sync-group" ;;
    produce) flags="--file -F --follow --input --key --regex --topic --source --tag --on-invalid --linger --buffer --max-batch-bytes --max-batch-logs --compress --parallel --hash-key --hash-field --buckets --ordered --retries --flush-timeout --dead-letter --stats --state --no-check" ;;
    shards)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "list split merge" -- "$cur")); return; }
      flags="--output --cursors --key --into --wait" ;;
    groups)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "list create update delete checkpoints lag reset" -- "$cur")); return; }
      flags="--output --timeout --request-timeout --in-order --no-in-order --if-not-exists --watch --interval --count --to --shards --force --dry-run" ;;
    emulator) COMPREPLY=($(compgen -W "$("${words[0]}" emulator --help 2>/dev/null | grep -oE '^ +(-[a-z],)?--[a-z0-9-]+' | sed 's/.*--/--/' | tr '\n' ' ')" -- "$cur")); return ;;
    configure) COMPREPLY=($(compgen -W "--profile --endpoint -p --project -l --logstore --access-key-id --access-key-secret --security-token --sign --region --help" -- "$cur")); return ;;
    config) [[ -z $sub ]] && { COMPREPLY=($(compgen -W "show" -- "$cur")); return; } ;;
  esac
  COMPREPLY=($(compgen -W "$flags $common" -- "$cur"))
}
complete -o default -F _slsflow slsflow
