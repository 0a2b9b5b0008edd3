#!/usr/bin/env bash
# bench.sh builds gohsm-bench and runs it from the repository root, so that
# the default module path ./libgohsm.so is the one just built.
#
# Usage: scripts/bench.sh [gohsm-bench flags]    e.g. -quick, -json, -rows p256
# (`make bench` runs -quick; the full run takes about 30 minutes on 2 cores.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
GO=${GO:-go}
mkdir -p build
"$GO" build -o build/gohsm-bench ./cmd/gohsm-bench
# The benchmark makes its own stores; the machine's must not leak in.
unset GOHSM_CONF GOHSM_DIR SOFTHSM2_CONF
exec build/gohsm-bench "$@"
