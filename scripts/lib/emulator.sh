# Shared by scripts/ and the shell integration tests: run `slsflow emulator`
# in the background and wait for its ready line ("listening URL").
#
#   source scripts/lib/emulator.sh
#   start_emulator BIN DIR [ARGS...]    env EMU_CPU=N pins it with taskset
#     runs `BIN emulator --listen 127.0.0.1:0 ARGS...` with stdout in
#     DIR/emu.out and stderr in DIR/emu.err, and sets EMU_PID and EMU_URL.
#     Returns 1, after printing the emulator's stderr, when no ready line
#     comes within 10 s or the emulator exits first.
#   stop_emulator                       kills EMU_PID (if any) and reaps it.
EMU_PID=""
EMU_URL=""

start_emulator() {
  local bin=$1 dir=$2
  shift 2
  local pin=()
  [[ -n ${EMU_CPU:-} ]] && pin=(taskset -c "$EMU_CPU")
  "${pin[@]}" "$bin" emulator --listen 127.0.0.1:0 "$@" >"$dir/emu.out" 2>"$dir/emu.err" &
  EMU_PID=$!
  local i
  for i in $(seq 200); do
    EMU_URL=$(awk '/^listening / {print $2; exit}' "$dir/emu.out" 2>/dev/null)
    [[ -n $EMU_URL ]] && return 0
    kill -0 "$EMU_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "slsflow emulator did not start:" >&2
  cat "$dir/emu.err" >&2
  return 1
}

stop_emulator() {
  if [[ -n $EMU_PID ]]; then
    kill "$EMU_PID" 2>/dev/null
    wait "$EMU_PID" 2>/dev/null
  fi
  EMU_PID=""
  return 0
}
