#!/usr/bin/env bash
# The project's test command (README): installs the test dependencies, then runs lint and
# every test. Run as root: the integration tests build real labs in network namespaces
# (without root they print "skipped: needs root").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# setup.sh installed the SDK clients: a test that finds them missing fails instead of skipping.
export ECSNET_REQUIRE_SDK=1
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test -- --test-threads="${ECSNET_TEST_THREADS:-4}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line for the whole run (the runner prints one per test binary).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "ecsnet: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$rc"
