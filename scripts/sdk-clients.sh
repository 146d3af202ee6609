#!/usr/bin/env bash
# Installs the real AWS SDK clients that tests/sdk_clients.rs and tests/metadata.rs run inside
# emulated tasks against the lab's metadata endpoints, in folders of the project's own, pinned,
# so a test never depends on (or leaks) what the machine's python3 or node happen to have:
#   tests/clients/.venv         a Python venv with tests/clients/requirements.txt (boto3, botocore)
#   tests/clients/.venv-cli     a Python venv with tests/clients/cli-requirements.txt (the AWS CLI)
#   tests/clients/node_modules  `npm ci` of tests/clients/package-lock.json
#                               (@aws-sdk/credential-providers, the AWS SDK for JavaScript v3)
# python3-venv, nodejs and npm come from apt when missing. Idempotent: a folder whose stamp
# matches its pin file and whose SDK imports is kept, so a second run takes a second.
# Run as root on a fresh Debian/Ubuntu machine (scripts/setup.sh calls it). Prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/clients
venv=$dir/.venv

apt_updated=
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  apt-get install -y -qq "$@" >/dev/null
}
stamp_of() { sha256sum "$1" | cut -d' ' -f1; }

# Python: boto3 and botocore in a venv of our own.
py_stamp=$(stamp_of "$dir/requirements.txt")
if [ "$(cat "$venv/.ecsnet-stamp" 2>/dev/null)" = "$py_stamp" ] &&
  "$venv/bin/python" -c 'import boto3, botocore' 2>/dev/null; then
  py_state=kept
else
  command -v python3 >/dev/null 2>&1 || apt_install python3
  rm -rf "$venv"
  # Debian's python3 has no ensurepip without python3-venv: `-m venv` fails, then we add it.
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$dir/requirements.txt"
  echo "$py_stamp" > "$venv/.ecsnet-stamp"
  py_state=installed
fi
py_versions=$("$venv/bin/python" -c 'import boto3, botocore; print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")')

# The AWS CLI, in a venv of its own (it bundles its own botocore).
cli_venv="$dir/.venv-cli"
cli_stamp=$(stamp_of "$dir/cli-requirements.txt")
if [ "$(cat "$cli_venv/.ecsnet-stamp" 2>/dev/null)" = "$cli_stamp" ] && "$cli_venv/bin/aws" --version >/dev/null 2>&1; then
  cli_state=kept
else
  rm -rf "$cli_venv"
  python3 -m venv "$cli_venv"
  "$cli_venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$dir/cli-requirements.txt"
  echo "$cli_stamp" > "$cli_venv/.ecsnet-stamp"
  cli_state=installed
fi
cli_version=$("$cli_venv/bin/aws" --version 2>&1 | cut -d' ' -f1)

# JavaScript: the SDK v3 credential providers, exactly as package-lock.json pins them.
if ! command -v node >/dev/null 2>&1; then apt_install nodejs; fi
if ! command -v npm >/dev/null 2>&1; then apt_install npm; fi
. scripts/npm-pinned.sh
npm_pinned "$dir" @aws-sdk/credential-providers
js_state=$npm_state
js_version=$(cd "$dir" && node -p 'require("@aws-sdk/credential-providers/package.json").version')

echo "sdk-clients: $py_versions in $venv ($py_state); $cli_version in $cli_venv ($cli_state); @aws-sdk/credential-providers $js_version on node $(node --version) in $dir/node_modules ($js_state)"
