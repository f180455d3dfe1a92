#!/usr/bin/env bash
# Startup costs (issue 5), all with the native gateway and the C# AOT sample bootstrap:
#
#   start+exit     the bootstrap alone, without a Runtime API to talk to: process start, .NET AOT runtime init,
#                  exit (hyperfine, --runs)                                      -> the floor for an environment
#   env ready      spawn -> the runtime's first /next inside the gateway, per environment (its Init Duration),
#                  from /metrics gateway_environment_ready_milliseconds (median over each run's environments)
#   first invoke   exec of the gateway -> first 200 from a sync echo invoke (curl polling, ~2-5 ms resolution)
#   pool warm      exec of the gateway -> /_gateway/status shows all --environments pre-forked environments idle
#
#   loadtests/startup.sh [--runs N (10)] [--environments N (4)] [--port P (19421)] [--out DIR]
#                        [--binary PATH (artifacts/gateway/Gateway)]   e.g. an older build, for a before/after
#                        [--sandbox auto|bwrap|none (auto)]   environments in a mount namespace each, or not
#
# Prints one line per run and the medians; writes results.txt to --out (default artifacts/loadtests/startup-<UTC>).
# Publishes the gateway and samples when stale (scripts/publish.sh). Every gateway it starts is stopped (trap).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

runs=10
environments=4
port=19421
out=""
binary="artifacts/gateway/Gateway"
sandbox="auto"
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --environments) environments="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --sandbox) sandbox="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "startup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir startup "$out")"

scripts/publish.sh >&2
for tool in curl jq hyperfine; do
  command -v "$tool" >/dev/null || { echo "startup.sh: '$tool' is not installed" >&2; exit 2; }
done

lt_scratch startup

log() { echo "startup: $*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'; }
now_ms() { echo "$(($(date +%s%N) / 1000)) / 1000" | bc -l; }

cat >"$tmp/functions.json" <<EOF
{ "Functions": [ { "FunctionName": "echo", "Code": "$root/artifacts/samples", "Handler": "echo",
  "MemorySize": 128, "Timeout": 3, "ProvisionedEnvironments": $environments, "MaxEnvironments": $((environments + 4)) } ] }
EOF
{
  echo "BINARY $binary"
  echo "SANDBOX $sandbox"
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

# ---- the floor: the same bootstrap, started with nothing to connect to, exits at once ----
log "bootstrap start+exit (hyperfine, $((runs * 5)) runs)"
env -u AWS_LAMBDA_RUNTIME_API -u GATEWAY_RUNTIME_API_SOCKET _HANDLER=echo \
  hyperfine -N -i --warmup 5 --runs $((runs * 5)) --export-json "$out/start-exit.json" "$root/artifacts/samples/bootstrap" >"$out/start-exit.txt" 2>&1 || true
start_exit_ms="$(jq -r '.results[0].median * 1000 | . * 10 | round / 10' "$out/start-exit.json")"
echo "START_EXIT median_ms=$start_exit_ms" | tee -a "$out/results.txt" >&2

# ---- the gateway, --runs times ----
invoke="http://127.0.0.1:$port/2015-03-31/functions/echo/invocations"
for run in $(seq "$runs"); do
  rm -rf "$tmp/data"
  t0="$(now_ms)"
  "$binary" --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions "$tmp/functions.json" --quiet --sandbox "$sandbox" \
    >"$out/gateway-$run.log" 2>&1 &
  gw_pid=$!; lt_stop_on_exit "$gw_pid"
  first=""
  for _ in $(seq 2000); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$invoke" 2>/dev/null)" == 200 ]]; then
      first="$(echo "$(now_ms) - $t0" | bc -l)"; break
    fi
  done
  warm=""
  for _ in $(seq 2000); do
    idle="$(curl -s "http://127.0.0.1:$port/_gateway/status" | jq -r '.functions[0].idleEnvironments' 2>/dev/null || echo 0)"
    if [[ "$idle" =~ ^[0-9]+$ ]] && ((idle >= environments)); then
      warm="$(echo "$(now_ms) - $t0" | bc -l)"; break
    fi
  done
  ready="$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "gateway_environment_ready_milliseconds{function=\"echo\",quantile=\"0.5\"}" {print $2}')"
  kill -TERM "$gw_pid" 2>/dev/null || true
  wait "$gw_pid" 2>/dev/null || true
  gw_pid=""
  printf 'RUN %d first_invoke_ms=%.1f pool_warm_ms=%.1f env_ready_median_ms=%s loadavg=%s\n' "$run" "${first:-0}" "${warm:-0}" "${ready:-n/a}" \
    "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/results.txt" >&2
done

first_med="$(sed -n 's/^RUN .*first_invoke_ms=\([0-9.]*\).*/\1/p' "$out/results.txt" | median)"
warm_med="$(sed -n 's/^RUN .*pool_warm_ms=\([0-9.]*\).*/\1/p' "$out/results.txt" | median)"
ready_med="$(sed -n 's/^RUN .*env_ready_median_ms=\([0-9.]*\).*/\1/p' "$out/results.txt" | median)"
{
  echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "SUMMARY runs=$runs environments=$environments start_exit_median_ms=$start_exit_ms env_ready_median_ms=$ready_med" \
    "ratio=$(echo "scale=2; $ready_med / $start_exit_ms" | bc -l) first_invoke_median_ms=$first_med pool_warm_median_ms=$warm_med"
} | tee -a "$out/results.txt"
