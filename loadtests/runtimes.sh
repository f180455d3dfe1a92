#!/usr/bin/env bash
# Managed runtimes beside the C# bootstrap (issue 11), through the native gateway, one function at a time:
#
#   env ready     spawn -> the runtime's first /next (its Init Duration), median over --environments pre-forked
#                 environments, from /metrics gateway_environment_ready_milliseconds
#   cold invoke   a fresh gateway with no environment: one sync invoke (spawn + init + the call), curl's time_total
#   warm invoke   then --warm sync invokes on one kept-alive connection (curl, several URLs): median and p90
#
#   loadtests/runtimes.sh [--runs N (5)] [--environments N (4)] [--warm N (200)] [--port P (19431)] [--out DIR]
#
# Functions: csharp = the C# AOT sample bootstrap (echo), python = samples/python-hello (python3.12,
# app.lambda_handler). Prints one line per run and the medians; results.txt in --out
# (default artifacts/loadtests/runtimes-<UTC>). Every gateway it starts is stopped (trap).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

runs=5
environments=4
warm=200
port=19431
out=""
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --environments) environments="$2"; shift 2 ;;
    --warm) warm="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "runtimes.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir runtimes "$out")"
scripts/publish.sh >&2
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "runtimes.sh: '$tool' is not installed" >&2; exit 2; }
done
lt_scratch runtimes

log() { echo "runtimes: $*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'; }
p90() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int(NR * 0.9); if (i < 1) i = 1; printf "%.1f\n", v[i] }'; }

# functions_file NAME PROVISIONED: the one function NAME with PROVISIONED pre-forked environments.
functions_file() {
  local spec
  case "$1" in
    csharp) spec="\"Code\": \"$root/artifacts/samples\", \"Handler\": \"echo\"" ;;
    python) spec="\"Code\": \"$root/samples/python-hello\", \"Runtime\": \"python3.12\", \"Handler\": \"app.lambda_handler\"" ;;
  esac
  cat >"$tmp/functions.json" <<JSON
{ "Functions": [ { "FunctionName": "fn", $spec, "MemorySize": 128, "Timeout": 10,
  "ProvisionedEnvironments": $2, "MaxEnvironments": $(($2 + 4)) } ] }
JSON
}

start_gateway() {
  rm -rf "$tmp/data"
  artifacts/gateway/Gateway --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions "$tmp/functions.json" --quiet \
    >>"$out/gateway.log" 2>&1 &
  gw_pid=$!; lt_stop_on_exit "$gw_pid"
  for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/_gateway/status" && return 0
    sleep 0.05
  done
  echo "runtimes.sh: the gateway did not start (see $out/gateway.log)" >&2; exit 1
}

stop_gateway() { kill -TERM "$gw_pid" 2>/dev/null || true; wait "$gw_pid" 2>/dev/null || true; }

invoke="http://127.0.0.1:$port/2015-03-31/functions/fn/invocations"
{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r)"
  echo "PYTHON $(python3 -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

for runtime in csharp python; do
  for run in $(seq "$runs"); do
    # Environment start: pre-forked environments, their median ready time from the gateway's own metric.
    functions_file "$runtime" "$environments"
    start_gateway
    for _ in $(seq 1200); do
      idle="$(curl -s "http://127.0.0.1:$port/_gateway/status" | jq -r '.functions[0].idleEnvironments' 2>/dev/null || echo 0)"
      [[ "$idle" =~ ^[0-9]+$ ]] && ((idle >= environments)) && break
      sleep 0.05
    done
    ready="$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "gateway_environment_ready_milliseconds{function=\"fn\",quantile=\"0.5\"}" {print $2}')"
    stop_gateway

    # Cold, then warm: no pre-forked environment, so the first call starts one.
    functions_file "$runtime" 0
    start_gateway
    cold="$(curl -s -o /dev/null -w '%{time_total}' --data '{"name":"cold"}' "$invoke")"
    urls=(); for _ in $(seq "$warm"); do urls+=(-o /dev/null "$invoke"); done  # -o applies to one URL each
    curl -s -w '%{time_total}\n' --data '{"name":"warm"}' "${urls[@]}" >"$out/warm-$runtime-$run.txt"
    stop_gateway
    printf 'RUN runtime=%s run=%d env_ready_ms=%s cold_ms=%.1f warm_median_ms=%.2f warm_p90_ms=%.2f loadavg=%s\n' \
      "$runtime" "$run" "${ready:-n/a}" "$(echo "$cold * 1000" | bc -l)" \
      "$(awk '{ print $1 * 1000 }' "$out/warm-$runtime-$run.txt" | median)" \
      "$(awk '{ print $1 * 1000 }' "$out/warm-$runtime-$run.txt" | p90)" \
      "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/results.txt" >&2
  done
done

echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
for runtime in csharp python; do
  field() { sed -n "s/^RUN runtime=$runtime .*$1=\([0-9.]*\).*/\1/p" "$out/results.txt" | median; }
  echo "SUMMARY runtime=$runtime runs=$runs env_ready_median_ms=$(field env_ready_ms) cold_median_ms=$(field cold_ms)" \
    "warm_median_ms=$(field warm_median_ms) warm_p90_median_ms=$(field warm_p90_ms)"
done | tee -a "$out/results.txt"
