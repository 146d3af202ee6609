#!/usr/bin/env bash
# The GitHub Action of this repository (action.yml) in one script, so it runs and is tested
# outside GitHub too (tests/install.rs). It installs ecsnet and runs `ecsnet test`.
# Settings come from the environment (action.yml maps its inputs to them):
#   ECSNET_VERSION    latest (default) | 0.1.0 or v0.1.0 (a release) | source (cargo build of
#                     this checkout, as the calling user) | a path to an ecsnet binary (used as is)
#   ECSNET_SCENARIOS  files or folders, separated by spaces (default scenarios/)
#   ECSNET_ARGS       more `ecsnet test` arguments, e.g. "--prefix ci --junit report.xml"
#   ECSNET_JUNIT, ECSNET_MARKDOWN   report paths (empty: none)
#   ECSNET_REPO       owner/name whose releases hold the binaries
# Not set by action.yml; for tests/install.rs, which has no GitHub and must not replace the
# machine's ecsnet:
#   ECSNET_RELEASES_URL  where the releases are (default https://github.com/$ECSNET_REPO/releases)
#   ECSNET_BIN_DIR       where the binary is installed (default /usr/local/bin)
# Exit code: ecsnet's (0 all held, 1 one failed, 2 invalid scenario, 3 broken environment,
# 4 a bug), or 3 when the install itself fails.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${ECSNET_VERSION:-latest}
scenarios=${ECSNET_SCENARIOS:-scenarios/}
repo=${ECSNET_REPO:-${GITHUB_REPOSITORY:-}}
releases=${ECSNET_RELEASES_URL:-https://github.com/$repo/releases}
bindir=${ECSNET_BIN_DIR:-/usr/local/bin}

fail() { echo "::error title=ecsnet action::$*" >&2; exit 3; }

# Root runs ecsnet; sudo brings along what makes ecsnet speak GitHub (annotations, job summary).
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
else
  as_root=(sudo "--preserve-env=GITHUB_ACTIONS,GITHUB_STEP_SUMMARY,NO_COLOR")
fi

# What a lab needs on the runner: nft (ecsnet runs it); ip and curl for looking inside.
need=()
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "ecsnet action: installing ${need[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

target() {
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) echo x86_64-unknown-linux-musl ;;
    ARM64 | aarch64 | arm64) echo aarch64-unknown-linux-musl ;;
    *) fail "no ecsnet release for the runner's architecture ${RUNNER_ARCH:-$(uname -m)}: use version: source" ;;
  esac
}

# Downloads a release's tarball for this runner, checks its sha256, installs the binary.
install_release() {
  local v=$1 t url dir
  [ -n "$repo" ] || [ -n "${ECSNET_RELEASES_URL:-}" ] || fail "ECSNET_REPO (owner/name) is not set: which repository's releases?"
  if [ "$v" = latest ]; then
    # /releases/latest redirects to /releases/tag/vX.Y.Z: no API token needed.
    v=$(curl -fsSLo /dev/null -w '%{url_effective}' "$releases/latest") || fail "no latest release at $releases"
    v=${v##*/}
  fi
  v=${v#v}
  t=$(target)
  url="$releases/download/v$v/ecsnet-$v-$t.tar.gz"
  dir=$(mktemp -d)
  echo "ecsnet action: downloading $url" >&2
  curl -fsSL --retry 3 -o "$dir/ecsnet-$v-$t.tar.gz" "$url" || fail "cannot download $url"
  curl -fsSL --retry 3 -o "$dir/ecsnet-$v-$t.tar.gz.sha256" "$url.sha256" || fail "cannot download $url.sha256"
  (cd "$dir" && sha256sum -c --quiet "ecsnet-$v-$t.tar.gz.sha256") || fail "sha256 mismatch for $url"
  { tar -xzf "$dir/ecsnet-$v-$t.tar.gz" -C "$dir" && [ -x "$dir/ecsnet-$v-$t/ecsnet" ]; } ||
    fail "$url holds no ecsnet-$v-$t/ecsnet"
  "${as_root[@]}" install -m 0755 "$dir/ecsnet-$v-$t/ecsnet" "$bindir/ecsnet" || fail "cannot install into $bindir"
  rm -rf "$dir"
  echo "$bindir/ecsnet"
}

case "$version" in
  source)
    command -v cargo >/dev/null 2>&1 || fail "version: source needs cargo on the runner (e.g. dtolnay/rust-toolchain)"
    # Built as the calling user: target/ stays theirs; only the installed copy is root's.
    (cd "$here" && cargo build --release --locked >&2) || fail "cargo build failed"
    "${as_root[@]}" install -m 0755 "$here/target/release/ecsnet" "$bindir/ecsnet"
    bin=$bindir/ecsnet
    ;;
  /* | ./* | ../*)
    [ -x "$version" ] || fail "$version is not an executable ecsnet"
    bin=$version
    ;;
  *) bin=$(install_release "$version") ;;
esac
echo "ecsnet action: $("$bin" --version)"

# Several scenarios and arguments, separated by spaces (no quoting inside one).
read -ra paths <<<"$scenarios"
read -ra extra <<<"${ECSNET_ARGS:-}"
cmd=("$bin" test "${paths[@]}" "${extra[@]}")
[ -z "${ECSNET_JUNIT:-}" ] || cmd+=(--junit "$ECSNET_JUNIT")
[ -z "${ECSNET_MARKDOWN:-}" ] || cmd+=(--markdown "$ECSNET_MARKDOWN")
echo "ecsnet action: ${cmd[*]}"
set +e
"${as_root[@]}" "${cmd[@]}"
rc=$?
set -e
# Reports written by root go back to the caller, so later steps (upload-artifact) may move them.
if [ ${#as_root[@]} -gt 0 ]; then
  for f in "${ECSNET_JUNIT:-}" "${ECSNET_MARKDOWN:-}"; do
    [ -z "$f" ] || [ ! -e "$f" ] || "${as_root[@]}" chown "$(id -u):$(id -g)" "$f"
  done
fi
exit "$rc"
