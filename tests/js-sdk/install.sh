#!/bin/sh
# Installs @aws-sdk/client-lambda (pinned in package.json) into tests/js-sdk/node_modules for the end-to-end tests
# (tests/Gateway.Tests/Infrastructure/JsSdk.cs runs it once per test run).
# The stamp is written only after npm has finished, so a half-done install (an interrupted run) is never taken for a
# whole one: the next run installs again.
set -eu
cd "$(dirname "$0")"
stamp=node_modules/.gateway-installed
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(cat package.json)" ] && exit 0
npm install --no-audit --no-fund --loglevel=error
cat package.json > "$stamp"
