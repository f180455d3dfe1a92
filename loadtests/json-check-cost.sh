#!/usr/bin/env bash
# What the streaming JSON check costs end to end: gateway CPU per invocation (utime+stime from /proc over the
# harness's invocation count) for this tree's gateway against another build without the check (default: the
# integrator's /work/main binary), interleaved A B A B in one run, at 64 B and 6 MB payloads.
#
#   loadtests/json-check-cost.sh [--baseline PATH (/work/main/artifacts/gateway/Gateway)] [--duration S (8)]
#                                [--connections N (8)] [--out DIR]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

baseline=/work/main/artifacts/gateway/Gateway
duration=8
connections=8
out=""
while (($#)); do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "json-check-cost.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir json-check-cost "$out")"
lt_build_harness
lt_scratch json-check-cost

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start_gateway() { # BINARY PORT → pid
  "$1" --urls "http://127.0.0.1:$2" --data "$tmp/data-$2" --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 >"$out/gateway-$2.log" 2>&1 &
  local pid=$!; lt_stop_on_exit "$pid"
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "http://127.0.0.1:$2/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && break
    sleep 0.1
  done
  echo "$pid"
}
echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" date=$(date -u +%FT%TZ) loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\"" | tee "$out/results.txt"
pid_a="$(start_gateway "$baseline" 19451)"
pid_b="$(start_gateway artifacts/gateway/Gateway 19452)"
hz="$(getconf CLK_TCK)"
for size in 64 6291456; do
  conns=$connections; ((size > 65536)) && conns=2
  for round in 1 2; do
    for side in a b; do
      port=19451; pid=$pid_a; [[ $side == b ]] && { port=19452; pid=$pid_b; }
      t0="$(cpu_ticks "$pid")"
      line="$(dotnet "$harness_dll" --url "http://127.0.0.1:$port" --label "$side-$size-$round" --out "$out/$side-$size-$round" \
        --duration "$duration" --warmup 0 --payload-bytes "$size" --connections "$conns" 2>/dev/null | grep '^RESULT')"
      t1="$(cpu_ticks "$pid")"
      n="$(echo "$line" | tr ' ' '\n' | sed -n 's/^ok=//p')"
      [[ -n "$n" ]] || n="$(echo "$line" | tr ' ' '\n' | sed -n 's/^requests=//p')"
      echo "COST side=$side payload=$size round=$round invocations=$n gateway_cpu_us_per_invocation=$(echo "($t1 - $t0) * 1000000 / $hz / $n" | bc -l | xargs printf '%.1f') $line" | tee -a "$out/results.txt"
    done
  done
done
echo "A = $baseline (no JSON check), B = artifacts/gateway/Gateway (JSON check). Outputs: $out" | tee -a "$out/results.txt"
