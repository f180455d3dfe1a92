#!/usr/bin/env bash
# The throttle scenario against a real (native) gateway on 127.0.0.1: ramps open-loop load past one limit and
# prints, second by second, admitted and throttled counts (by the 429 body's Reason) beside what the configured
# model predicts. See docs/loadtests.md#throttling.
#
#   loadtests/throttle.sh [--scenario request-rate|burst] [--check] [--tolerance P] [--port N] [--linger S] [-- HARNESS ARGS]
#
# Arguments after -- go to the harness last, so they override the scenario's (e.g. -- --reserved 8 predicts
# with a wrong model, to see --check fail).
#
#   request-rate  function echo with ReservedConcurrentExecutions 10: 100 requests/s allowed (10 x reserved,
#                 bucket capacity 100, full at start); ramp 20 -> 200 req/s over 10 s;
#                 excess -> ReservedFunctionInvocationRateLimitExceeded.
#   burst         gateway with --Gateway:BurstModel=account-burst, BurstCapacity 20, BurstRefillPerSecond 5;
#                 function sleep (no pre-forked environments, max 400), each request {"ms":30000}, so every
#                 admitted request starts a new environment; ramp 5 -> 40 req/s over 8 s;
#                 excess -> ConcurrentInvocationLimitExceeded.
#   --linger S    keep the gateway up S seconds after the run, to look at its dashboard (the harness posts its
#                 prediction there: http://127.0.0.1:PORT/_gateway/ shows it beside what was admitted).
#   --check       exit 1 when total admitted or total throttled diverges from the prediction by more than
#                 --tolerance percent (default 10) and more than 3 requests.
#
# Publishes the gateway and samples when stale (scripts/publish.sh), builds the harness, starts the gateway with
# its own functions file and data in a temp dir, and stops it (and so its workers) on exit.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

scenario=request-rate
check=()
extra=()
tolerance=10
port=19411
linger=0
while (($#)); do
  case "$1" in
    --scenario) scenario="$2"; shift 2 ;;
    --check) check=(--check); shift ;;
    --tolerance) tolerance="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --linger) linger="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "throttle.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

lt_build_harness
samples="$root/artifacts/samples"

lt_scratch throttle

gateway_args=()
case "$scenario" in
  request-rate)
    reserved=10
    cat >"$tmp/functions.json" <<EOF
{ "Functions": [ { "FunctionName": "echo", "Code": "$samples", "Handler": "echo", "Timeout": 3,
    "ReservedConcurrentExecutions": $reserved, "ProvisionedEnvironments": $reserved, "MaxEnvironments": $reserved } ] }
EOF
    printf '{"p":"x"}' >"$tmp/payload.json"
    harness_args=(--function echo --payload-file "$tmp/payload.json" --ramp-from 20 --ramp-to 200 --duration 10
      --model request-rate --reserved "$reserved" --rate-multiplier 10 --grace 2)
    ;;
  burst)
    capacity=20 refill=5
    cat >"$tmp/functions.json" <<EOF
{ "Functions": [ { "FunctionName": "sleep", "Code": "$samples", "Handler": "sleep", "Timeout": 60,
    "ProvisionedEnvironments": 0, "MaxEnvironments": 400 } ] }
EOF
    printf '{"ms": 30000}' >"$tmp/payload.json"
    gateway_args=(--Gateway:BurstModel=account-burst "--Gateway:BurstCapacity=$capacity" "--Gateway:BurstRefillPerSecond=$refill")
    harness_args=(--function sleep --payload-file "$tmp/payload.json" --ramp-from 5 --ramp-to 40 --duration 8
      --model burst --burst-capacity "$capacity" --burst-refill "$refill" --grace 3)
    ;;
  *) echo "throttle.sh: --scenario is request-rate or burst" >&2; exit 2 ;;
esac

if curl -s -o /dev/null "http://127.0.0.1:$port/_gateway/status"; then
  echo "throttle.sh: port $port is in use (--port N)" >&2; exit 1
fi
artifacts/gateway/Gateway --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions "$tmp/functions.json" --quiet \
  "${gateway_args[@]}" >"$tmp/gateway.log" 2>&1 &
gateway_pid=$!; lt_stop_on_exit "$gateway_pid"
for _ in $(seq 150); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/_gateway/status" && break
  kill -0 "$gateway_pid" 2>/dev/null || { echo "throttle.sh: the gateway exited:" >&2; cat "$tmp/gateway.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/_gateway/status" || { echo "throttle.sh: the gateway did not answer" >&2; exit 1; }
sleep 1    # let pre-forked environments (request-rate) register

rc=0
dotnet "$harness_dll" --scenario throttle --url "http://127.0.0.1:$port" --tolerance "$tolerance" \
  "${harness_args[@]}" "${check[@]}" "${extra[@]}" || rc=$?
status="$(curl -s "http://127.0.0.1:$port/_gateway/status")"
echo "gateway environments at the end: $(grep -o '"environments":[0-9]*' <<<"$status" | head -n 1 | cut -d: -f2)"
echo "gateway /metrics, throttles:"
curl -s "http://127.0.0.1:$port/metrics" | grep '^lambda_throttles_total' || echo "  (none)"
if [[ "$linger" != 0 ]]; then
  echo "dashboard: http://127.0.0.1:$port/_gateway/ (the gateway stays up $linger s)"
  sleep "$linger"
fi
exit "$rc"
