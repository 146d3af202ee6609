#!/usr/bin/env bash
# Installs what tests/graph_browser.rs drives: Debian's Chromium (apt, no browser download) and
# playwright-core, pinned by tests/browser/package-lock.json, in tests/browser/node_modules.
# Idempotent: a stamp that matches the lock file and a resolvable module keep the folder
# (scripts/npm-pinned.sh, shared with sdk-clients.sh).
# Run as root on a fresh Debian/Ubuntu machine (scripts/test.sh calls it). Prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/browser
# A Chromium the machine has (Debian's, or the Chrome a GitHub runner carries), else Debian's.
find_browser() {
  for b in chromium google-chrome chromium-browser; do
    if p=$(command -v "$b" 2>/dev/null); then echo "$p"; return 0; fi
  done
  return 1
}
need=()
find_browser >/dev/null || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# fonts for the page's text; Chromium alone brings none on a minimal image.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
. scripts/npm-pinned.sh
npm_pinned "$dir" playwright-core
state=$npm_state
browser=$(find_browser)
# The test reads which browser to drive from here (CHROMIUM overrides it).
echo "$browser" > "$dir/.chromium-path"
echo "browser: $("$browser" --version 2>/dev/null | head -1), playwright-core $(cd "$dir" && node -p 'require("playwright-core/package.json").version') in $dir/node_modules ($state)"
