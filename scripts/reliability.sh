#!/usr/bin/env bash
# Issue 13, item 7: the reliability suite in one command. The randomized tests of
# tests/reliability.rs at full strength (100 rounds, 200 repeated checks), with the robustness,
# state-guard and bounds tests, in release mode (CI runs the same file with small defaults).
# Root only: the tests build real labs in network namespaces.
#
# Knobs: ECSNET_RELIABILITY_ROUNDS (100), ECSNET_RELIABILITY_CHECKS (200),
# ECSNET_RELIABILITY_SEED (the PRNG seed; a failure names it, set it to replay the run).
# Other labs on the machine are left alone (every lab here is named r-* or t-*).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
    echo "reliability.sh: needs root (the tests build network namespaces): sudo $0" >&2
    exit 3
fi
export PATH="$HOME/.cargo/bin:$PATH"
export ECSNET_RELIABILITY_ROUNDS="${ECSNET_RELIABILITY_ROUNDS:-100}"
export ECSNET_RELIABILITY_CHECKS="${ECSNET_RELIABILITY_CHECKS:-200}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
t0=$(date +%s)
set +e
# --no-fail-fast: a failure in one test binary must not skip the others.
cargo test --release --no-fail-fast --test reliability --test robustness --test state_guard --test bounds \
    -- --test-threads=2 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# cargo says 101 for any failed test; 1 here, so that 101 keeps meaning a panic.
[ "$rc" -ne 0 ] && rc=1
# What the suites' labs (r-*, t-*) left on the machine: the goal is nothing.
left=$( (ls /run/netns 2>/dev/null | grep -E '^ecsnet\.(r|t)-') ; (ls /run/ecsnet 2>/dev/null | grep -E '^(r|t)-') || true)
echo
echo "== reliability: rounds ${ECSNET_RELIABILITY_ROUNDS}, checks ${ECSNET_RELIABILITY_CHECKS}, seed ${ECSNET_RELIABILITY_SEED:-default}, $(($(date +%s) - t0)) s"
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
grep -E '^test .* \.\.\. FAILED$' "$log" | sed -E 's/^test (.*) \.\.\. FAILED$/failed: \1/' || true
grep -c 'a hang' "$log" | sed 's/^/hangs: /' || true
if [ -n "$left" ]; then
    echo "leftovers:"
    echo "$left" | sed 's/^/  /'
    [ "$rc" -eq 0 ] && rc=1
else
    echo "leftovers: none"
fi
exit "$rc"
