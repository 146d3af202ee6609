# Sourced by sdk-clients.sh and browser.sh: `npm_pinned DIR MODULE` runs `npm ci` in DIR unless
# DIR/node_modules already matches DIR/package-lock.json (a stamp) and MODULE resolves; it sets
# npm_state to "kept" or "installed".
npm_pinned() {
  local dir=$1 module=$2 stamp
  stamp=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.ecsnet-stamp" 2>/dev/null)" = "$stamp" ] &&
    (cd "$dir" && node -e "require.resolve('$module')" 2>/dev/null); then
    npm_state=kept
  else
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$stamp" > "$dir/node_modules/.ecsnet-stamp"
    npm_state=installed
  fi
}
