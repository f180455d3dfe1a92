#!/usr/bin/env bash
# Completes the Node.js managed runtime beside the published gateway, in artifacts/gateway/runtimes/nodejs/
# (scripts/publish.sh has copied src/Runtimes/nodejs there: bootstrap, node-path-hook.mjs, node-path-resolve.mjs):
#
#   index.mjs, rapid-client.node   aws-lambda-ric 3.3.0's client (scripts/build-node-ric.sh builds it, cached in
#                                  $GATEWAY_NODE_RIC_DIR or artifacts/node-ric), made the runtime's entry point as
#                                  AWS bundles it into /var/runtime/index.mjs: so error messages and stack traces
#                                  name <runtime dir>/index.mjs as AWS's name /var/runtime/index.mjs.
#   node_modules/                  the AWS SDK for JavaScript v3 clients listed below, from npm (AWS's nodejs18.x+
#                                  images ship the whole v3 SDK in /var/runtime/node_modules; these are the clients
#                                  functions use most), cached in artifacts/node-sdk.
#
# Cached: the SDK is installed again only when the list below changes; the copy is refreshed when its source is newer.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Pinned (npm view @aws-sdk/client-s3 version, 2026-12-05). S3, DynamoDB (and its document client), Lambda, SQS,
# SNS and STS: the services Lambda functions call most; each client pulls the shared @smithy/* and @aws-sdk/core.
sdk_version="3.1178.0"
sdk_packages=(
  "@aws-sdk/client-s3@$sdk_version"
  "@aws-sdk/client-dynamodb@$sdk_version"
  "@aws-sdk/lib-dynamodb@$sdk_version"
  "@aws-sdk/client-lambda@$sdk_version"
  "@aws-sdk/client-sqs@$sdk_version"
  "@aws-sdk/client-sns@$sdk_version"
  "@aws-sdk/client-sts@$sdk_version"
)

runtime="artifacts/gateway/runtimes/nodejs"
[[ -f "$runtime/bootstrap" ]] || { echo "build-node-runtime: $runtime/bootstrap missing; run scripts/publish.sh first" >&2; exit 1; }

# 1. The runtime interface client (native build, cached).
scripts/build-node-ric.sh
ric="${GATEWAY_NODE_RIC_DIR:-$root/artifacts/node-ric}/node_modules/aws-lambda-ric"
# AWS's /var/runtime/index.mjs is the client's bundle followed by the call that starts it.
if [[ ! -f "$runtime/index.mjs" || "$ric/dist/index.mjs" -nt "$runtime/index.mjs" || "$0" -nt "$runtime/index.mjs" ]]; then
  {
    cat "$ric/dist/index.mjs"
    # On AWS the client writes each console record to its telemetry descriptor with fs.writeSync, so everything a
    # handler logged is out before its response is posted. Here it falls back to process.stdout.write on the log
    # socket, which Node makes asynchronous once the socket's buffer is full (~90 KB): the rest was written after
    # END and REPORT and missed LogType Tail. Blocking stdio keeps AWS's order.
    # Blocking is a flag of the socket, shared with any child that inherited it: a Node child turns it back off. So a
    # response or error is also posted only once what stdout and stderr still queue is written (an empty write's
    # callback runs after every earlier one); with nothing queued, as usual, it is posted at once.
    cat <<'JS'

// Added by scripts/build-node-runtime.sh: stdout and stderr block, as AWS's fs.writeSync to its telemetry descriptor
// does, and nothing is posted before what they still queue (a child may have made the socket non-blocking again).
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
for (const method of ["postInvocationResponse", "postInvocationError"]) {
  const post = RAPIDClient.prototype[method];
  RAPIDClient.prototype[method] = function (...args) {
    const queued = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
    if (queued.length === 0) {
      return post.apply(this, args);
    }
    // A response that cannot be serialised throws in the post: on the direct path that reaches the client's caller,
    // which posts it as the invocation's error; here it is handed to the error post the same way.
    Promise.all(queued.map((stream) => new Promise((resolve) => stream.write("", resolve))))
      .then(() => post.apply(this, args))
      .catch((error) => method === "postInvocationResponse" ? this.postInvocationError(error, args[1], args[2]) : Promise.reject(error));
  };
}
JS
    printf '// Added by scripts/build-node-runtime.sh: start the client on the function'"'"'s handler, as AWS'"'"'s runtime does.\n'
    printf 'await run(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);\n'
  } >"$runtime/index.mjs.tmp"
  mv "$runtime/index.mjs.tmp" "$runtime/index.mjs"
  cp "$ric/dist/rapid-client.node" "$runtime/rapid-client.node"
  cp "$ric/LICENSE" "$runtime/LICENSE.aws-lambda-ric"
  echo "build-node-runtime: index.mjs from aws-lambda-ric@$(node -p "require('$ric/package.json').version")"
fi

# 2. The AWS SDK clients (cached by the package list).
command -v npm >/dev/null || { echo "build-node-runtime: npm not found (install Node.js 20 and npm)" >&2; exit 1; }
sdk="$root/artifacts/node-sdk"
stamp="$(printf '%s\n' "${sdk_packages[@]}" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$sdk/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  echo "build-node-runtime: installing the AWS SDK v3 clients ($sdk_version) into artifacts/node-sdk"
  rm -rf "$sdk"
  mkdir -p "$sdk"
  echo '{"name":"gateway-node-sdk","private":true}' >"$sdk/package.json"
  start=$SECONDS
  if ! (cd "$sdk" && npm install --no-audit --no-fund --save-exact --omit=dev "${sdk_packages[@]}") >"$sdk/npm-install.log" 2>&1; then
    tail -n 40 "$sdk/npm-install.log" >&2
    echo "build-node-runtime: npm install failed (full log: $sdk/npm-install.log)" >&2
    exit 1
  fi
  echo "$stamp" >"$sdk/.stamp"
  echo "build-node-runtime: SDK installed in $((SECONDS - start)) s"
fi
if [[ "$(cat "$runtime/node_modules/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$runtime/node_modules"
  # Hard links when artifacts/ is one file system (instant, no extra space); a copy otherwise. Not a symlink: inside
  # the mount namespace only the runtime folder is visible, as /var/runtime.
  cp -al "$sdk/node_modules" "$runtime/node_modules" 2>/dev/null || cp -a "$sdk/node_modules" "$runtime/node_modules"
  echo "$stamp" >"$runtime/node_modules/.stamp"
  echo "build-node-runtime: node_modules ($(du -sh "$runtime/node_modules" | cut -f1)) -> $runtime/node_modules"
fi
echo "build-node-runtime: $runtime ready"
