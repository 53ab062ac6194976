#!/usr/bin/env bash
# Regenerates completions/ from the binary's own flag tables; run it after
# adding or renaming a flag (tests/integration/completion_test.sh fails
# until the files match the binary).
#   scripts/completions.sh [path/to/slsflow]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/slsflow}
"$bin" completion bash >completions/slsflow.bash
"$bin" completion zsh >completions/_slsflow
echo "wrote completions/slsflow.bash and completions/_slsflow from $bin"
