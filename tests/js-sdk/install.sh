#!/bin/sh
# Installs @aws-sdk/client-lambda (pinned in package.json) into tests/js-sdk/node_modules for the end-to-end tests.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/@aws-sdk/client-lambda ] && exit 0
npm install --no-audit --no-fund --loglevel=error
