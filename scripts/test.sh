#!/usr/bin/env bash
# The project's test command (README): installs the test dependencies, then runs lint and
# every test. Run as root: the integration tests build real labs in network namespaces
# (without root they print "skipped: needs root").
# Under sudo, cargo builds as the invoking user (their toolchain, their target/) and only the
# test binaries run as root, through cargo's runner; really root (CI), everything runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/as-user.sh
[ -n "$build_user" ] || export PATH="$HOME/.cargo/bin:$PATH"
cargo=$(find_cargo)
# The browser the picture test drives (Debian's Chromium and playwright-core).
bash scripts/browser.sh
[ -z "$build_user" ] || chown -R "$build_user:" tests/browser/node_modules
# setup.sh installed the SDK clients and browser.sh the browser: a test that finds them
# missing fails instead of skipping.
cargo_env+=(ECSNET_REQUIRE_SDK=1 ECSNET_REQUIRE_BROWSER=1)
if [ -n "$build_user" ]; then
  # The user has just typed sudo, so this one normally asks nothing; -E keeps ECSNET_* and
  # the rest of the test environment for the test binary.
  cargo_env+=(CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="sudo -E"
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="sudo -E")
fi
cargo_as fmt --all -- --check
cargo_as clippy --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo_as test "$@" -- --test-threads="${ECSNET_TEST_THREADS:-4}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$build_user" ]; then
  # Whatever a test running as root left in target/ goes back to the user.
  find target -uid 0 -exec chown "$build_user:" {} + 2>/dev/null || true
fi
# One closing line for the whole run (the runner prints one per test binary).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "ecsnet: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$rc"
