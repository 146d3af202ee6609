#!/usr/bin/env bash
# Installs what ecsnet needs on a Debian/Ubuntu machine: nftables (nft), iproute2 (ip, ss),
# curl, tcpdump, and a Rust toolchain if there is none; and, for the tests, the pinned AWS SDK
# clients of scripts/sdk-clients.sh. Run as root (sudo scripts/setup.sh).
# With --build it also builds the release binary and installs it as /usr/local/bin/ecsnet.
set -euo pipefail
cd "$(dirname "$0")/.."

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

if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  echo "setup: installing Rust with rustup"
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
fi
export PATH="$HOME/.cargo/bin:$PATH"

# The real AWS SDK clients the tests run inside labs (a venv and node_modules of our own).
bash scripts/sdk-clients.sh

if [ "${1:-}" = "--build" ]; then
  cargo build --release --locked 2>/dev/null || cargo build --release
  install -m 0755 target/release/ecsnet /usr/local/bin/ecsnet
  echo "setup: installed /usr/local/bin/ecsnet"
fi
echo "setup: ok ($(nft --version), $(cargo --version))"
