#!/usr/bin/env bash
# One command from a fresh Debian 12 checkout to a working slsflow:
# installs the apt packages (as root), builds Release into build/, and runs
# the demo against the embedded emulator.
#   scripts/setup.sh                 build and run the demo
#   scripts/setup.sh --install-deb   also build the .deb (cpack) and install it with apt
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Only the binary: the tests are scripts/test.sh's to build.
SLSFLOW_BUILD_TARGET=slsflow scripts/build.sh build
echo
echo "built: $(pwd)/build/slsflow"
build/slsflow --version
echo
scripts/demo.sh build/slsflow
if [[ ${1:-} == --install-deb ]]; then
  (cd build && cpack -G DEB >/dev/null)
  deb=$(ls -t build/slsflow_*.deb | head -1)
  echo "installing $deb"
  apt-get install -y "./$deb"
  slsflow --version
fi
