#!/usr/bin/env bash
# `slsflow help [COMMAND]` shows the man page from beside the binary (the
# build tree's man/), and every page and --version carry the one version
# set in CMakeLists.txt (issue 17, point 7).
set -uo pipefail
src=${SLSFLOW_SOURCE_DIR:?}
bin=${SLSFLOW_BIN:?}
build=$(dirname "$bin")
export MANPAGER=cat MANWIDTH=100
fail=0

cmake_version=$(sed -n 's/^project(slsflow VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[[ -n $cmake_version ]] || { echo "FAIL: no version in CMakeLists.txt"; exit 1; }
v=$("$bin" --version | head -1)
[[ $v == "slsflow $cmake_version ("* ]] || { echo "FAIL: --version says '$v', CMake $cmake_version"; fail=1; }
for page in "$src"/man/*.1; do
  name=$(basename "$page")
  built=$build/man/$name
  [[ -f $built ]] || { echo "FAIL: $built was not built"; fail=1; continue; }
  th=$(grep -m1 '^\.TH' "$built")
  [[ $th == *"\"slsflow $cmake_version\""* ]] || { echo "FAIL: $built: $th"; fail=1; }
  grep -m1 '^\.TH' "$page" | grep -q '"slsflow [0-9]' && { echo "FAIL: $page carries a version of its own"; fail=1; }
done

for cmd in consume produce shards groups emulator; do
  out=$("$bin" help "$cmd" 2>&1)
  upper=$(echo "slsflow-$cmd" | tr a-z A-Z)
  [[ $out == *"$upper(1)"* && $out == *"slsflow $cmake_version"* ]] ||
    { echo "FAIL: slsflow help $cmd: $(echo "$out" | head -3)"; fail=1; }
done
out=$("$bin" help 2>&1)
[[ $out == *"SLSFLOW(1)"* && $out == *GRAMMAR* && $out == *"EXIT STATUS"* ]] || { echo "FAIL: slsflow help: $(echo "$out" | head -3)"; fail=1; }
out=$("$bin" help configure 2>&1)
[[ $out == *"SLSFLOW(1)"* ]] || { echo "FAIL: help configure shows slsflow(1): $(echo "$out" | head -2)"; fail=1; }

# Not beside the binary: an installed layout (bin/ and share/man/man1/).
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/share/man/man1"
cp "$bin" "$root/bin/slsflow"
cp "$build/man/slsflow-groups.1" "$root/share/man/man1/"
out=$("$root/bin/slsflow" help groups 2>&1)
[[ $out == *"SLSFLOW-GROUPS(1)"* ]] || { echo "FAIL: installed layout: $(echo "$out" | head -2)"; fail=1; }

"$bin" help consum >/dev/null 2>"$root/err"
rc=$?
[[ $rc -eq 2 ]] && grep -q "did you mean 'consume'" "$root/err" || { echo "FAIL: help consum: $rc $(cat "$root/err")"; fail=1; }

[[ $fail -eq 0 ]] && echo "ok: help finds the pages, one version everywhere"
exit $fail
