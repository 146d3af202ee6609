#!/usr/bin/env bash
# Benchmark ecsnet against an `ip -batch` baseline (see scripts/bench.py). Run as root:
#   sudo scripts/bench.sh [--sizes 10,100,1000]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --quiet
exec python3 scripts/bench.py "$@"
