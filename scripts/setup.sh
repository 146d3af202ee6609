#!/usr/bin/env bash
# Installs what ecsnet needs on a Debian/Ubuntu machine: nftables (nft), iproute2 (ip, ss),
# curl, tcpdump, and a Rust toolchain if there is none; and, for the tests, the pinned AWS SDK
# clients of scripts/sdk-clients.sh. Run as root (sudo scripts/setup.sh).
# With --build it also builds the release binary and installs it as /usr/local/bin/ecsnet.
# Under sudo the toolchain and the build are the invoking user's (scripts/as-user.sh): a user
# without Rust gets rustup in their own home, never root's; only the packages and the installed
# binary are root's.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/as-user.sh

need=()
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v cc >/dev/null 2>&1 || need+=(build-essential)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo=$(find_cargo)
if [ -z "$cargo" ]; then
  echo "setup: installing Rust with rustup for ${build_user:-root}"
  "${as_user[@]}" sh -c 'curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt'
  cargo=$build_home/.cargo/bin/cargo
fi

# The real AWS SDK clients the tests run inside labs (a venv and node_modules of our own).
bash scripts/sdk-clients.sh
if [ -n "$build_user" ]; then
  # Installed as root (apt may be needed) into the user's checkout: hand them back.
  chown -R "$build_user:" tests/clients/.venv tests/clients/node_modules
fi

if [ "${1:-}" = "--build" ]; then
  if [ -n "$build_user" ] && [ -d target ] && [ -n "$(find target -maxdepth 0 ! -user "$build_user")" ]; then
    # Left by an earlier build as root: the user's cargo could not write into it.
    echo "setup: giving target/ back to $build_user"
    chown -R "$build_user:" target
  fi
  cargo_as build --release --locked 2>/dev/null || cargo_as build --release
  install -m 0755 target/release/ecsnet /usr/local/bin/ecsnet
  echo "setup: installed /usr/local/bin/ecsnet (built by ${build_user:-root})"
fi
echo "setup: ok ($(nft --version), $(cargo_as --version))"
