#!/usr/bin/env bash
# Benchmark ecsnet (issue 6): builds the release binary, then runs scripts/bench.py, which
# measures up/down/kernel teardown, a reachability matrix and memory per task for N = 10, 100,
# 1000 tasks and compares with scripts/baseline.sh (ip -batch). Needs root; not run by tests.
#   sudo scripts/bench.sh [--sizes 10,100,1000] [--runs 3] [--no-baseline]
# Output: a Markdown table on stdout and in bench/out/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --quiet
exec python3 scripts/bench.py "$@"
