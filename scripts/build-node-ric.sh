#!/usr/bin/env bash
# Installs the official Node.js runtime interface client, aws-lambda-ric, into artifacts/node-ric.
#
# The package compiles a native addon (aws-lambda-cpp + curl) from source on install, which needs
# autoconf automake libtool cmake g++ make python3 (scripts/install-deps.sh) and takes ~3 minutes.
# Pinned to 3.3.0: 4.x requires Node 22 and crashes on Debian's/this machine's Node 20.
# Cached: does nothing when that version is already installed.
#
# A function's bootstrap then runs (see tests/fixtures/node-echo/bootstrap):
#   exec node "$RIC_DIR/node_modules/aws-lambda-ric/bin/index.mjs" "$_HANDLER"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="3.3.0"
dest="${GATEWAY_NODE_RIC_DIR:-$root/artifacts/node-ric}"
pkg="$dest/node_modules/aws-lambda-ric/package.json"

command -v npm >/dev/null || { echo "build-node-ric: npm not found (install Node.js 20 and npm)" >&2; exit 1; }

if [[ -f "$pkg" ]] && [[ "$(node -p "require('$pkg').version")" == "$version" ]]; then
  echo "build-node-ric: aws-lambda-ric@$version already in ${dest#"$root"/}"
  exit 0
fi

for tool in autoconf automake libtoolize cmake g++ make python3; do
  command -v "$tool" >/dev/null || { echo "build-node-ric: $tool missing; run scripts/install-deps.sh" >&2; exit 1; }
done

echo "build-node-ric: installing aws-lambda-ric@$version into ${dest#"$root"/} (native build, ~3 min)"
mkdir -p "$dest"
# A private package.json keeps npm from walking up into any other project; the log is kept for failures.
[[ -f "$dest/package.json" ]] || echo '{"name":"gateway-node-ric","private":true}' >"$dest/package.json"
log="$dest/npm-install.log"
start=$SECONDS
if ! (cd "$dest" && npm install --no-audit --no-fund --save-exact "aws-lambda-ric@$version") >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "build-node-ric: npm install failed (full log: $log)" >&2
  exit 1
fi
echo "build-node-ric: done in $((SECONDS - start)) s"
