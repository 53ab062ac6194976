#!/usr/bin/env bash
# One command from a fresh Debian 12 checkout to a working slsflow:
# installs the apt packages (as root), builds Release into build/, and runs
# the demo against the embedded emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
echo
echo "built: $(pwd)/build/slsflow"
build/slsflow --version
echo
scripts/demo.sh build/slsflow
