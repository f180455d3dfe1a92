#!/usr/bin/env bash
# Kestrel (ListenUnixSocket) vs the gateway's hand-written Runtime API server, with real runtimes on the other side
# (issue 15, "Four HTTP/1.1 parsers"): loadtests/RuntimeApiServers pushes --invocations 64 B invocations through each
# server for --rounds interleaved rounds and prints each server's process CPU and the runtime's CPU per invocation;
# then two rounds with the stock bash + curl runtime (TCP). See docs/performance.md.
#
#   loadtests/runtime-api-servers.sh [--invocations N (20000)] [--rounds R (6)] [--bash-invocations N (300)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
args=("$@")
lt_build_harness   # publishes the samples (artifacts/samples/bootstrap is the C# runtime under test)
dotnet build loadtests/RuntimeApiServers/RuntimeApiServers.csproj -c Release -nologo -tl:off -v:q \
  -o artifacts/runtime-api-servers >artifacts/logs/build-runtime-api-servers.log 2>&1 \
  || { tail -n 30 artifacts/logs/build-runtime-api-servers.log >&2; exit 1; }
out="$(lt_output_dir runtime-api-servers)"
dotnet artifacts/runtime-api-servers/RuntimeApiServers.dll --worker artifacts/samples/bootstrap \
  --bash-worker src/Functions/bash-echo/bootstrap "${args[@]}" | tee "$out/results.txt"
echo "Outputs: $out"
