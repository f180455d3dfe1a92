#!/usr/bin/env bash
# Cross-check of the load harness's CPU accounting (--cpu-pids, what compare.sh prints) against an independent
# reading of /proc: loadtests/proc-cpu.py samples the gateway, each of its worker processes and the load generator
# at the start and end of (nearly) the same window and prints them one by one. Both are per request; they should
# agree within a few µs (the windows differ by the harness's start-up time, under a second).
#
#   loadtests/cpu-crosscheck.sh [--duration S (10)] [--warmup S (3)] [--connections N (32)] [--out DIR]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

duration=10
warmup=3
connections=32
out=""
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "cpu-crosscheck.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir cpu-crosscheck "$out")"
lt_build_harness
lt_scratch crosscheck
port=19441
path="/2015-03-31/functions/echo/invocations"

artifacts/gateway/Gateway --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions loadtests/functions.json --quiet \
  --Gateway:RequestRateMultiplier=1000 >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "http://127.0.0.1:$port$path" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2
echo "LOADAVG start $(cat /proc/loadavg)" | tee "$out/results.txt"

dotnet "$lt_root/artifacts/loadtests/harness/Gateway.LoadTests.dll" --url "http://127.0.0.1:$port" --label crosscheck --quiet \
  --duration "$duration" --warmup "$warmup" --connections "$connections" --payload-bytes 64 --cpu-pids "$gw_pid" >"$tmp/harness.result" &
harness_pid=$!
# The same window as the harness's measured seconds, give or take its start-up (~0.5 s): after the warmup, for
# duration - 2 seconds, so that the end sample comes while the harness is still running.
loadtests/proc-cpu.py --delay "$warmup.5" --window "$((duration - 2))" --root "gateway=$gw_pid" --root "harness=$harness_pid" >"$tmp/proc.txt"
wait "$harness_pid"
rps="$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' "$tmp/harness.result")"
# Per request from proc-cpu.py: CPU seconds ÷ its window ÷ the harness's measured requests per second.
window="$(sed -n 's/^PROCCPU window_s=\([0-9.]*\).*/\1/p' "$tmp/proc.txt")"
{
  cat "$tmp/harness.result"
  echo "HARNESS (--cpu-pids) $(grep -oE '(server_self_us|server_tree_us|harness_us|cpu_window_s|server_processes)=[^ ]+' "$tmp/harness.result" | tr '\n' ' ')"
  cat "$tmp/proc.txt"
  awk -v rps="$rps" -v win="$window" '
    /^PROCCPU root=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "PROC (proc-cpu.py) %s: tree %.1f µs/req, process alone %.1f µs/req, reaped children %.1f µs/req\n", v["root"], v["cpu_s"] * 1e6 / win / rps, v["self_s"] * 1e6 / win / rps, v["reaped_s"] * 1e6 / win / rps }
    /^  +[0-9]+ / && ($2 == "bootstrap" || $2 == "bwrap") { workers += $3; n++ }
    END { printf "PROC workers together (live at both ends, %d listed): %.1f µs/req\n", n, workers * 1e6 / win / rps }' "$tmp/proc.txt"
  echo "LOADAVG end $(cat /proc/loadavg)"
} | tee -a "$out/results.txt"
