#!/usr/bin/env bash
# cpack builds a .deb whose dependencies are apt runtime libraries; its
# payload installs into a scratch root and runs.
set -euo pipefail
build=${SLSFLOW_BUILD_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/pkg/*.deb | head -1)
[[ -f "$deb" ]] || { echo "FAIL: no .deb produced"; exit 1; }
info=$(dpkg-deb -I "$deb")
depends=$(echo "$info" | sed -n 's/^ Depends: //p')
echo "Depends: $depends"
for lib in libcurl4 libzstd1 liblz4-1 libsqlite3; do
  [[ "$depends" == *"$lib"* ]] || { echo "FAIL: Depends lacks $lib"; exit 1; }
done
# The binary reads and writes the protobuf wire format itself; only the
# tests link libprotobuf (as the oracle).
[[ "$depends" != *libprotobuf* ]] || { echo "FAIL: Depends names libprotobuf, which the binary does not use"; exit 1; }
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/slsflow ./usr/share/man/man1/slsflow.1 ./usr/share/bash-completion/completions/slsflow; do
  [[ "$contents" == *"$f"* ]] || { echo "FAIL: package lacks $f"; exit 1; }
done
dpkg-deb -x "$deb" "$work/root"
"$work/root/usr/bin/slsflow" --version
echo "ok: $(basename "$deb")"
