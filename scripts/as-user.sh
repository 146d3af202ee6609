# shellcheck shell=bash
# Sourced by setup.sh and test.sh. Under sudo, cargo runs as the user who typed sudo, with that
# user's toolchain: root never gets a second toolchain to keep up to date, and target/ and
# ~/.cargo stay the user's (a root-owned target/ breaks their next `cargo build`). Really root
# with no sudo behind it (CI, a container): cargo runs as root, as it always did.
#   build_user  the user who builds (empty: root)
#   as_user     the command prefix that runs as build_user (empty array: as is)
#   find_cargo  prints the cargo build_user can run, or nothing
#   cargo_as    runs that cargo as build_user; extra environment goes in the cargo_env array
#               (sudo resets the environment, so an export would not reach cargo)
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  build_user=$SUDO_USER
  build_home=$(getent passwd "$build_user" | cut -d: -f6)
  # -H: rustup and cargo look in the user's ~/.rustup and ~/.cargo, not root's.
  as_user=(sudo -u "$build_user" -H --)
else
  build_user=
  build_home=$HOME
  as_user=()
fi
cargo_env=()

find_cargo() {
  if [ -x "$build_home/.cargo/bin/cargo" ]; then
    echo "$build_home/.cargo/bin/cargo"
    return
  fi
  local c
  if [ -n "$build_user" ]; then
    # The user's own PATH is the one their login shell sets up (sudo replaced it).
    c=$("${as_user[@]}" bash -lc 'command -v cargo' 2>/dev/null | tail -n 1) && [ -n "$c" ] && { echo "$c"; return; }
    # A system-wide cargo root sees counts if the user can run it; root's own rustup (under
    # root's home) does not: its proxies would look for toolchains in the user's ~/.rustup.
    c=$(command -v cargo 2>/dev/null) || return 0
    case $c in "$(getent passwd root | cut -d: -f6)"/*) return 0 ;; esac
    "${as_user[@]}" test -x "$c" && echo "$c"
  else
    command -v cargo 2>/dev/null || true
  fi
  return 0
}

# Needs `cargo` set (from find_cargo) by the script that sources this.
# shellcheck disable=SC2154
cargo_as() {
  "${as_user[@]}" env PATH="$(dirname "$cargo"):$PATH" "${cargo_env[@]}" "$cargo" "$@"
}
