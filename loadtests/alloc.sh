#!/usr/bin/env bash
# Gateway cost per invocation, read from the gateway itself around one closed-loop run of 64 B sync echo:
#   allocated B/invocation   /metrics gateway_gc_allocated_bytes_total delta / lambda_invocations_total delta
#   gateway CPU µs/invocation  utime+stime of the gateway process (/proc/<pid>/stat) delta / invocations
#   workers CPU µs/invocation  the same for the function's worker processes (all the gateway's descendants)
#
#   loadtests/alloc.sh [--connections N (2)] [--duration S (6)] [--binary PATH (artifacts/gateway/Gateway)]
#                      [--function F (echo)] [--warmup S (0)] [--port P (19451)] [-- EXTRA GATEWAY ARGS]
#
# --function echo-unpipelined runs the same C# echo runtime with GATEWAY_RUNTIME_PIPELINING=0 (no pre-forked
# environments: give it --warmup 3 so the counted seconds do not include forks). Interleave the two to see what
# Runtime API pipelining saves.
#
# Prints one RESULT line. The default 2 connections keep the pool at its pre-forked size, so the number is
# the invocation path alone; at 32 connections a few extra environments are forked and counted too.
#
# The gateway runs with --Gateway:RequestRateMultiplier=1000: Lambda's request-rate limit (10 x the account's
# 1,000 concurrency = 10,000 invokes/s by default) would otherwise cap the measurement with 429s; throttle.sh
# checks the limits themselves.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

connections=2
duration=6
binary="artifacts/gateway/Gateway"
function=echo
warmup=0
port=19451
gateway_args=()
while (($#)); do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --function) function="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --) shift; gateway_args=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "alloc.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

lt_build_harness

lt_scratch alloc

url="http://127.0.0.1:$port"
"$binary" --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 "${gateway_args[@]}" >"$tmp/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$url/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2
metric() { curl -s "$url/metrics" | awk -v n="$1" -v f="$function" '$1 == n || $1 == n "{function=\"" f "\"}" { if (!found) { print $2; found = 1 } }'; }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
# Every descendant, not only the children: with the default sandbox the gateway's children are bwrap, and the
# bootstrap processes run one level below them.
workers() {
  local queue=("$gw_pid") found=() p c
  while ((${#queue[@]})); do
    p="${queue[0]}"; queue=("${queue[@]:1}")
    for c in $(pgrep -P "$p"); do found+=("$c"); queue+=("$c"); done
  done
  echo "${found[*]}"
}

if ((warmup > 0)); then
  dotnet artifacts/loadtests/harness/Gateway.LoadTests.dll --url "$url" --function "$function" --payload-bytes 64 \
    --connections "$connections" --duration "$warmup" --warmup 0 --quiet >/dev/null 2>&1
fi
w="$(workers)"
a0="$(metric gateway_gc_allocated_bytes_total)"; i0="$(metric lambda_invocations_total)"; c0="$(cpu_ticks "$gw_pid")"; wc0="$(cpu_ticks $w)"
result="$(dotnet artifacts/loadtests/harness/Gateway.LoadTests.dll --url "$url" --function "$function" --payload-bytes 64 \
  --connections "$connections" --duration "$duration" --warmup 0 --quiet 2>/dev/null)"
a1="$(metric gateway_gc_allocated_bytes_total)"; i1="$(metric lambda_invocations_total)"; c1="$(cpu_ticks "$gw_pid")"; wc1="$(cpu_ticks $w)"
n=$((i1 - i0))
((n > 0)) || { echo "alloc.sh: no invocations counted" >&2; exit 1; }
hz="$(getconf CLK_TCK)"
echo "RESULT function=$function connections=$connections invocations=$n $(echo "$result" | grep -oE 'rps=[0-9]+|p50_ms=[0-9.]+|p99_ms=[0-9.]+' | tr '\n' ' ')" \
  "allocated_bytes_per_invocation=$(((a1 - a0) / n)) gateway_cpu_us_per_invocation=$(((c1 - c0) * 1000000 / hz / n))" \
  "workers_cpu_us_per_invocation=$(((wc1 - wc0) * 1000000 / hz / n)) loadavg=$(cut -d' ' -f1 /proc/loadavg)"
