#!/usr/bin/env bash
# Managed runtimes vs the C# custom runtime (issue 11): for a hello-world function on each runtime,
#
#   env ready     spawn -> the runtime's first /next (its Init Duration), from /metrics
#                 gateway_environment_ready_milliseconds: the one environment the cold invoke started
#   cold invoke   the first invoke of a fresh gateway (no pre-forked environment: it starts one), curl time_total
#   warm invoke   --warm invokes on that warm environment afterwards, curl time_total (each a new curl process;
#                 time_total excludes the process start)
#
#   loadtests/runtimes.sh [--runs N (10)] [--warm N (20)] [--port P (19431)] [--out DIR] [--runtimes "csharp node"]
#                         [--sandboxes "bwrap none" (default: auto, the gateway's own choice)]
#                         [--containments "cgroup none" (default: auto): cgroup = --containment cgroup --worker-uid auto,
#                          none = --containment none --worker-uid none; the label gets /cgroup or /none]
#   runtimes: csharp (the C# AOT sample, provided.al2023), node (CommonJS index.js), node-esm (index.mjs: the bootstrap
#   adds the ES-module NODE_PATH hook), python (python3.12)
#
# One fresh gateway per run and runtime, runtimes interleaved run by run (the box is shared and noisy). Needs the
# published gateway (scripts/publish.sh) and the Node.js runtime beside it (scripts/build-node-runtime.sh); a
# "python" entry in --runtimes needs src/Runtimes/python. Prints one line per run and the medians; writes
# results.txt to --out (default artifacts/loadtests/runtimes-<UTC>).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

runs=10
warm=20
port=19431
out=""
runtimes="csharp node"
sandboxes="auto"
containments="auto"
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --warm) warm="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --runtimes) runtimes="$2"; shift 2 ;;
    --sandboxes) sandboxes="$2"; shift 2 ;;
    --containments) containments="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "runtimes.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir runtimes "$out")"
for tool in curl jq bc; do
  command -v "$tool" >/dev/null || { echo "runtimes.sh: '$tool' is not installed" >&2; exit 2; }
done
[[ -x artifacts/gateway/Gateway ]] || { echo "runtimes.sh: run scripts/publish.sh first" >&2; exit 2; }

lt_scratch runtimes
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'; }

# The same hello world on each runtime: {"message":"hello"} back.
mkdir -p "$tmp/node" "$tmp/node-esm" "$tmp/python"
echo 'exports.handler = async () => ({ message: "hello" });' >"$tmp/node/index.js"
echo 'export const handler = async () => ({ message: "hello" });' >"$tmp/node-esm/index.mjs"
printf 'def handler(event, context):\n    return {"message": "hello"}\n' >"$tmp/python/app.py"
function_json() {
  case "$1" in
    csharp) echo "{\"FunctionName\":\"hello\",\"Code\":\"$root/artifacts/samples\",\"Handler\":\"echo\"" ;;
    node) echo "{\"FunctionName\":\"hello\",\"Runtime\":\"nodejs20.x\",\"Code\":\"$tmp/node\",\"Handler\":\"index.handler\"" ;;
    node-esm) echo "{\"FunctionName\":\"hello\",\"Runtime\":\"nodejs20.x\",\"Code\":\"$tmp/node-esm\",\"Handler\":\"index.handler\"" ;;
    python) echo "{\"FunctionName\":\"hello\",\"Runtime\":\"python3.12\",\"Code\":\"$tmp/python\",\"Handler\":\"app.handler\"" ;;
  esac
}

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) node=$(node --version 2>/dev/null) python=$(python3 --version 2>&1 | cut -d' ' -f2)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

invoke="http://127.0.0.1:$port/2015-03-31/functions/hello/invocations"
ms() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --data '{"message":"hello"}' "$invoke" | awk '$1 == 200 { printf "%.2f\n", $2 * 1000 }'; }
for run in $(seq "$runs"); do
  for sandbox in $sandboxes; do
  for containment in $containments; do
  for base in $runtimes; do
    runtime="$base"; [[ "$sandboxes" == auto ]] || runtime="$base/$sandbox"
    contain_args=()
    if [[ "$containments" != auto ]]; then
      runtime="$runtime/$containment"
      if [[ "$containment" == none ]]; then contain_args=(--containment none --worker-uid none); else contain_args=(--containment "$containment" --worker-uid auto); fi
    fi
    echo "{\"Functions\":[$(function_json "$base"),\"MemorySize\":128,\"Timeout\":10,\"ProvisionedEnvironments\":0}]}" >"$tmp/functions.json"
    rm -rf "$tmp/data"
    artifacts/gateway/Gateway --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions "$tmp/functions.json" --quiet --sandbox "$sandbox" "${contain_args[@]}" \
      >"$out/gateway-${runtime//\//-}-$run.log" 2>&1 &
    gw_pid=$!; lt_stop_on_exit "$gw_pid"
    for _ in $(seq 500); do curl -sf -o /dev/null "http://127.0.0.1:$port/_gateway/status" && break; sleep 0.01; done
    cold="$(ms)"
    warm_list=()
    for _ in $(seq "$warm"); do warm_list+=("$(ms)"); done
    warm_med="$(printf '%s\n' "${warm_list[@]}" | median)"
    ready="$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "gateway_environment_ready_milliseconds{function=\"hello\",quantile=\"0.5\"}" {print $2}')"
    kill -TERM "$gw_pid" 2>/dev/null || true
    wait "$gw_pid" 2>/dev/null || true
    printf 'RUN %d runtime=%s env_ready_ms=%s cold_invoke_ms=%s warm_invoke_median_ms=%s loadavg=%s\n' "$run" "$runtime" "${ready:-n/a}" "${cold:-n/a}" "$warm_med" \
      "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/results.txt" >&2
  done
  done
  done
done

echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
labels=""
for sandbox in $sandboxes; do for containment in $containments; do for base in $runtimes; do
  label="$base"; [[ "$sandboxes" == auto ]] || label+="/$sandbox"; [[ "$containments" == auto ]] || label+="/$containment"
  labels+=" $label"
done; done; done
for runtime in $labels; do
  pick() { sed -n "s|^RUN .*runtime=$runtime .*$1=\([0-9.]*\).*|\1|p" "$out/results.txt" | median; }
  echo "SUMMARY runtime=$runtime runs=$runs env_ready_median_ms=$(pick env_ready_ms) cold_invoke_median_ms=$(pick cold_invoke_ms) warm_invoke_median_ms=$(pick warm_invoke_median_ms)"
done | tee -a "$out/results.txt"
