#!/usr/bin/env bash
# CI's one-minute torture run (issue 9): produce + consume + emulator
# restarts under injected faults and kill -9, then exact verification.
set -euo pipefail
exec "${SLSFLOW_SOURCE_DIR:?}/scripts/torture.sh" --minutes "${SLSFLOW_TORTURE_MINUTES:-1}"
