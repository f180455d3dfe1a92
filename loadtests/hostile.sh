#!/usr/bin/env bash
# Hostile clients (issue 13): does the gateway keep serving others, within its memory ceiling, while strangers
# hold slow connections, flood headers and upload 100 MB bodies?
#
#   1. gateway idle RSS; the 64 B sync echo closed loop alone (undisturbed)
#   2. loadtests/hostile_clients.py opens --slow-headers connections trickling a request head (one byte every
#      --trickle-s seconds: slowloris), --slow-bodies connections trickling a body after a complete head,
#      --header-floods clients sending 5,000-header requests in a loop, and --uploads clients posting chunked
#      --upload-mb MB bodies; each reconnects when the gateway closes it. Meanwhile the same echo loop runs again
#   3. reports echo throughput disturbed / undisturbed, the gateway's RSS (sampled every 100 ms) against idle, its open
#      sockets, and what the hostile clients saw (statuses, closes). Numbers: docs/loadtests.md, docs/performance.md
#
#   loadtests/hostile.sh [--duration S (10)] [--connections N (32)] [--slow-headers N (500)] [--slow-bodies N (500)]
#                        [--header-floods N (4)] [--uploads N (4)] [--upload-mb M (100)] [--trickle-s S (1)]
#                        [--port P (19441)] [--out DIR]
#
# The gateway runs with --Gateway:RequestRateMultiplier=1000 (as abuse.sh: Lambda's request-rate limit would
# otherwise cap the echo loop with 429s). Everything it starts is stopped on exit (trap).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

duration=10
warmup=3
connections=32
slow_headers=500
slow_bodies=500
header_floods=4
uploads=4
upload_mb=100
trickle=1
port=19441
out=""
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --slow-headers) slow_headers="$2"; shift 2 ;;
    --slow-bodies) slow_bodies="$2"; shift 2 ;;
    --header-floods) header_floods="$2"; shift 2 ;;
    --uploads) uploads="$2"; shift 2 ;;
    --upload-mb) upload_mb="$2"; shift 2 ;;
    --trickle-s) trickle="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "hostile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir hostile "$out")"

lt_build_harness
lt_scratch hostile
log() { echo "hostile: $*" >&2; }

url="http://127.0.0.1:$port"
invoke="$url/2015-03-31/functions/echo/invocations"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
sockets() { find "/proc/$gw_pid/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
field() { grep "^RESULT label=$1 " "$out/results.txt" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$gw_pid/stat"; }
run() {
  local label="$1" c0
  log "run $label"
  c0="$(cpu_s)"
  dotnet "$harness_dll" --url "$url" --label "$label" --out "$out/$label" --duration "$duration" --warmup "$warmup" \
    --payload-bytes 64 --connections "$connections" 2>"$out/$label.progress.log" | tee -a "$out/results.txt" >&2
  echo "LOADAVG label=$label $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
  echo "GATEWAY_CPU label=$label seconds=$(echo "$(cpu_s) - $c0" | bc)" >>"$out/results.txt"
}

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # the slow clients and the gateway each need > 1,000 descriptors
artifacts/gateway/Gateway --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$invoke" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2
idle_kb="$(rss_kb "$gw_pid")"
log "idle RSS $((idle_kb / 1024)) MB"

run undisturbed
after_undisturbed_kb="$(rss_kb "$gw_pid")"

sampler() {
  while :; do echo "$(date +%s.%N) $(rss_kb "$gw_pid") $(sockets)"; sleep 0.1; done >"$tmp/samples.txt"
}
sampler &
lt_stop_on_exit $!
python3 loadtests/hostile_clients.py --port "$port" --duration $((4 + warmup + duration + 2)) \
  --slow-headers "$slow_headers" --slow-bodies "$slow_bodies" --header-floods "$header_floods" \
  --uploads "$uploads" --upload-mb "$upload_mb" --trickle-s "$trickle" >"$tmp/hostile.result" 2>&1 &
hostile_pid=$!; lt_stop_on_exit "$hostile_pid"
sleep 4 # every slow connection open and trickling
log "during: RSS $(( $(rss_kb "$gw_pid") / 1024 )) MB, $(sockets) sockets open in the gateway"
run hostile
wait "$hostile_pid" || true
sleep 1
after_kb="$(rss_kb "$gw_pid")"
max_kb="$(awk '{print $2}' "$tmp/samples.txt" | sort -n | tail -n 1)"
max_sockets="$(awk '{print $3}' "$tmp/samples.txt" | sort -n | tail -n 1)"
cp "$tmp/samples.txt" "$out/samples-time-rsskb-sockets.txt"
grep -h '^HOSTILE' "$tmp/hostile.result" >>"$out/results.txt" || { cat "$tmp/hostile.result" >&2; }
after_status="$(curl -s -o /dev/null -w '%{http_code}' --data '{"after":"hostile"}' "$invoke" || true)"

ratio="$(echo "scale=2; $(field hostile rps) / $(field undisturbed rps)" | bc -l)"
{
  echo "SUMMARY undisturbed_rps=$(field undisturbed rps) hostile_rps=$(field hostile rps) ratio=$ratio" \
    "p99_ms_undisturbed=$(field undisturbed p99_ms) p99_ms_hostile=$(field hostile p99_ms) echo_after=$after_status"
  printf 'MEMORY idle_mb=%.1f after_undisturbed_mb=%.1f max_during_hostile_mb=%.1f above_idle_mb=%.1f after_hostile_mb=%.1f max_sockets=%s\n' \
    "$(echo "$idle_kb / 1024" | bc -l)" "$(echo "$after_undisturbed_kb / 1024" | bc -l)" "$(echo "$max_kb / 1024" | bc -l)" \
    "$(echo "($max_kb - $idle_kb) / 1024" | bc -l)" "$(echo "$after_kb / 1024" | bc -l)" "$max_sockets"
  grep -E '^(HOSTILE|GATEWAY_CPU)' "$out/results.txt" || true
  echo "SETTINGS slow_headers=$slow_headers slow_bodies=$slow_bodies header_floods=$header_floods uploads=$uploads upload_mb=$upload_mb trickle_s=$trickle connections=$connections duration=$duration"
  echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Outputs: $out"
} | tee -a "$out/summary.txt"
