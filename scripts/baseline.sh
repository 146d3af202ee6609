#!/usr/bin/env bash
# The same topology as the benchmark's N-task lab, built the fastest shell way (`ip -batch`,
# `ip -n NS -batch`, `nft -f`), timed up and down: sudo scripts/baseline.sh N
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench.py --baseline-only "${1:?usage: baseline.sh N}"
