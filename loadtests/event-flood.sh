#!/usr/bin/env bash
# Event flood (issue 5): how fast the gateway accepts asynchronous invocations (X-Amz-Invocation-Type: Event,
# answered 202) and how fast its consumers drain them through the echo function.
#
#   acceptance   202/s of a closed loop of Event invokes (--connections, --duration), from the harness; 429s
#                (the account's request-rate limit applies to Event invokes too) are counted apart
#   drain        invocations completed per second, from /metrics lambda_invocations_total{function="echo"}:
#                (count when the queue is empty and the counter has stopped moving - count before the flood)
#                / (that moment - flood start); also the count completed during the flood itself
#
#   loadtests/event-flood.sh [--duration S (10)] [--connections N (32)] [--payload-bytes B (64)]
#                            [--port P (19441)] [--out DIR] [-- EXTRA GATEWAY ARGS]
#
# Works whatever the Event queue is (in-memory or durable): it only reads the 202s and the invocation counter
# (and lambda_async_events_queued when /metrics has it). Outputs in --out (default
# artifacts/loadtests/event-flood-<UTC>); the gateway it starts is stopped on exit (trap).
#
# The gateway runs with --Gateway:RequestRateMultiplier=1000: Lambda's request-rate limit (10 x the account's
# 1,000 concurrency = 10,000 invokes/s by default) would otherwise cap the measurement with 429s; throttle.sh
# checks the limits themselves.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

duration=10
connections=32
payload_bytes=64
port=19441
out=""
gateway_args=()
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --payload-bytes) payload_bytes="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; gateway_args=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "event-flood.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir event-flood "$out")"

lt_build_harness

lt_scratch event-flood
log() { echo "event-flood: $*" >&2; }

url="http://127.0.0.1:$port"
now() { date +%s.%N; }
# metric NAME: the echo function's sample of NAME (or the unlabelled one); empty when /metrics does not have it.
metric() { curl -s "$url/metrics" | awk -v n="$1" '$1 == n "{function=\"echo\"}" || $1 == n { if (!found) { print $2; found = 1 } }'; }

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

artifacts/gateway/Gateway --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 "${gateway_args[@]}" \
  >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$url/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2

before="$(metric lambda_invocations_total)"
t_start="$(now)"
log "flood: Event invokes, closed loop, $connections connections, ${duration} s"
dotnet "$harness_dll" --url "$url" --label event-flood --out "$out/event-flood" --function echo --invocation-type Event \
  --payload-bytes "$payload_bytes" --connections "$connections" --duration "$duration" --warmup 0 \
  2>"$out/event-flood.progress.log" | tee -a "$out/results.txt" >&2
t_flood_end="$(now)"
at_flood_end="$(metric lambda_invocations_total)"
echo "LOADAVG label=flood $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"

# Drain: poll until the queue (when reported) is empty and the counter has not moved for 2 s (at most 600 s).
last="$at_flood_end"; t_last="$t_flood_end"; still=0
for _ in $(seq 3000); do
  sleep 0.2
  current="$(metric lambda_invocations_total)"
  queued="$(metric lambda_async_events_queued)"
  if [[ "$current" != "$last" ]]; then
    last="$current"; t_last="$(now)"; still=0
  else
    still=$((still + 1))
  fi
  if ((still >= 10)) && [[ -z "$queued" || "$queued" == 0 ]]; then break; fi
done
echo "$(date -u +%T) queued=${queued:-n/a} invocations=$last" >>"$out/results.txt"
environments="$(curl -s "$url/_gateway/status" | jq -r '.functions[] | select(.functionName == "echo") | .environments' 2>/dev/null || echo '?')"

accepted="$(grep '^RESULT label=event-flood ' "$out/results.txt" | tr ' ' '\n' | sed -n 's/^ok=//p')"
accept_rps="$(echo "$accepted / $duration" | bc)"          # 202s only (the harness's rps counts 429s too)
throttled="$(grep '^RESULT label=event-flood ' "$out/results.txt" | tr ' ' '\n' | sed -n 's/^throttled=//p')"
completed=$((last - before))
{
  printf 'SUMMARY accepted_202=%s accept_rps=%s throttled_429=%s completed=%d completed_during_flood=%d drain_rps=%.0f drain_seconds=%.1f echo_environments_at_end=%s\n' \
    "$accepted" "$accept_rps" "$throttled" "$completed" "$((at_flood_end - before))" \
    "$(echo "$completed / ($t_last - $t_start)" | bc -l)" "$(echo "$t_last - $t_start" | bc -l)" "$environments"
  echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Outputs: $out"
} | tee -a "$out/results.txt"
