#!/usr/bin/env bash
# The project's test command (README): installs the test dependencies, then runs lint and
# every test. Run as root: the integration tests build real labs in network namespaces
# (without root they print "skipped: needs root").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test -- --test-threads="${ECSNET_TEST_THREADS:-4}"
