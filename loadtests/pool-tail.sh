#!/usr/bin/env bash
# Tail latency against the number of live worker processes (issue 15): the 64 B echo at a fixed open-loop rate, with
# the function's pool fixed at N pre-forked environments (ProvisionedEnvironments = MaxEnvironments = N) and the load
# generator holding at most N requests in flight (more would be refused with 429 GatewayEnvironmentLimitExceeded, not
# queued), so a request that finds every environment busy waits in the client, and that wait is in its latency (the
# harness measures from the intended send time: no coordinated omission).
#
#   loadtests/pool-tail.sh [--rate R (1500)] [--sizes "1 2 4 8"] [--rounds N (2)] [--duration S (8)] [--warmup S (3)]
#                          [--binary PATH (artifacts/gateway/Gateway)] [--kestrel] [--memory MB (128)]
#                          [--variant 'LABEL|ENV=V …|GATEWAY ARGS…' …] [-- EXTRA GATEWAY ARGS…]
#
# --variant (repeatable) runs the gateway once per variant in every round and size, with that variant's environment
# variables and arguments (after the EXTRA ones; label pool-N-LABEL): settings A/B'd in one interleaved run.
#
# --kestrel also runs bare Kestrel's echo (loadtests/BareKestrel) in every round, at the same rate with each size's
# connection count (label kestrel-N): issue 15's tail target compares the two in one run.
#
# --memory sets the echo function's MemorySize, and with it its environments' CPU weight (cpu.shares = 1,024 × MB /
# 1,769 under the gateway's cgroup containment, as Lambda gives CPU in proportion to memory).
#
# Every round starts a fresh gateway per size (sizes interleaved round by round), warms it up at the same rate, then
# measures. Prints one RESULT line per run (the harness's, plus size, round, gateway_cpu_us = the gateway process's
# CPU per request from its own /proc accounting, server_tree_us with the workers, the gateway's garbage collections
# since it started and their total pause from /metrics (4 of them, ~15 ms, are the start-up settle's before any load:
# Hosting/StartupHeap.cs), and the load average) and a table of
# medians (min–max) per size. Everything goes to artifacts/loadtests/pool-tail-<UTC time>/.
# LT_NO_PUBLISH=1 measures whatever artifacts/gateway holds.
set -euo pipefail
command_line="loadtests/pool-tail.sh $*"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rate=1500
sizes="1 2 4 8"
kestrel=0
memory=128
rounds=2
duration=8
warmup=3
binary=""
extra=()
variants=()
while (($#)); do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --kestrel) kestrel=1; shift ;;
    --variant) variants+=("$2"); shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "pool-tail.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ -n "$binary" ]]; then LT_NO_PUBLISH=1; fi
if ((kestrel)) && [[ ! -x "$lt_root/artifacts/bare-kestrel/BareKestrel" ]]; then
  mkdir -p "$lt_root/artifacts/logs"
  dotnet publish "$lt_root/loadtests/BareKestrel/BareKestrel.csproj" -c Release -o "$lt_root/artifacts/bare-kestrel" -nologo -tl:off \
    >"$lt_root/artifacts/logs/publish-bare-kestrel.log" 2>&1 || { tail -n 30 "$lt_root/artifacts/logs/publish-bare-kestrel.log" >&2; exit 1; }
fi
lt_build_harness
binary="${binary:-artifacts/gateway/Gateway}"
out="$(lt_output_dir pool-tail)"
lt_scratch pool-tail
port=19481
url="http://127.0.0.1:$port"
samples="$lt_root/artifacts/samples"

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ)"
  echo "COMMAND $command_line"
} | tee "$out/results.txt" >&2

# functions.json with the echo function's pool fixed at N environments.
functions_file() {
  cat >"$tmp/functions-$1.json" <<JSON
{ "Functions": [ { "FunctionName": "echo", "Code": "$samples", "Handler": "echo", "MemorySize": $memory, "Timeout": 3,
                   "ProvisionedEnvironments": $1, "MaxEnvironments": $1 } ] }
JSON
  echo "$tmp/functions-$1.json"
}

# measure LABEL N ROUND COMMAND…: starts COMMAND (a server on $url), waits for its first 200, loads it at the rate
# with N connections, stops it, and records the harness's RESULT line with the size, round and load average.
measure() {
  local label="$1" n="$2" round="$3" pid result
  shift 3
  "$@" >"$out/$label-$round.log" 2>&1 &
  pid=$!
  lt_stop_on_exit "$pid"
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$url/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && break
    sleep 0.1
  done
  [[ "$label" == pool-* ]] && sleep 1 # the gateway's other pre-forked environments finish their init
  result="$(dotnet "$harness_dll" --url "$url" --function echo --payload-bytes 64 --quiet --rate "$rate" --connections "$n" \
    --warmup "$warmup" --duration "$duration" --label "$label" --cpu-pids "$pid" 2>/dev/null | grep '^RESULT' || echo "RESULT label=$label failed")"
  # The gateway's own garbage collections since it started (warmup included): a stall every collection makes.
  [[ "$label" == pool-* ]] && result+="$(curl -s "$url/metrics" | awk '$1 == "gateway_gc_collections_total{generation=\"0\"}" { printf " gc_count=%d", $2 }
    $1 == "gateway_gc_pause_seconds_total" { printf " gc_pause_ms=%.1f", $2 * 1000 }')"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$result size=$n round=$round loadavg=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/results.txt" >&2
}

((${#variants[@]})) || variants=("||")

# label_of N VARIANT: pool-N, or pool-N-LABEL for a named variant.
label_of() { local v="${2%%|*}"; echo "pool-$1${v:+-$v}"; }

# run N ROUND VARIANT: the gateway with the echo function's pool fixed at N environments, under VARIANT's environment
# variables and arguments.
run() {
  local rest="${3#*|}" envs args
  envs="${rest%%|*}"; args="${rest#*|}"; [[ "$rest" == *"|"* ]] || args=""
  rm -rf "$tmp/data"
  # shellcheck disable=SC2086 # the variant's environment and arguments are word lists
  measure "$(label_of "$1" "$3")" "$1" "$2" env $envs "$binary" --urls "$url" --data "$tmp/data" --functions "$(functions_file "$1")" --quiet \
    --Gateway:RequestRateMultiplier=1000 "${extra[@]}" $args
}

# run_kestrel N ROUND: bare Kestrel's echo at the same rate with N connections.
run_kestrel() { measure "kestrel-$1" "$1" "$2" "$lt_root/artifacts/bare-kestrel/BareKestrel" --urls "$url"; }

for ((r = 1; r <= rounds; r++)); do
  for n in $sizes; do
    for v in "${variants[@]}"; do run "$n" "$r" "$v"; done
    if ((kestrel)); then run_kestrel "$n" "$r"; fi
  done
done

median_range() {
  (($#)) || { echo "-"; return; }
  local -a v=("$@"); local n=$# m
  if ((n % 2)); then m="${v[n / 2]}"; else m="$(echo "scale=2; (${v[n / 2 - 1]} + ${v[n / 2]}) / 2" | bc)"; fi
  echo "$m (${v[0]}–${v[n - 1]})"
}
echo "SUMMARY at $rate req/s (median, min–max over $rounds rounds)" | tee -a "$out/results.txt" >&2
for n in $sizes; do
  if ((kestrel)); then
    k99="$(grep "^RESULT label=kestrel-$n " "$out/results.txt" | tr ' ' '\n' | sed -n 's/^p99_ms=//p' | sort -n | tr '\n' ' ')"
    km="$(median_range $k99)"
    echo "kestrel connections=$n  p99_ms=$km" | tee -a "$out/results.txt" >&2
  fi
  for v in "${variants[@]}"; do
    label="$(label_of "$n" "$v")"
    line="environments=$n"
    [[ -n "${v%%|*}" ]] && line="environments=$n variant=${v%%|*}"
    for f in rps p50_ms p99_ms p999_ms server_self_us server_tree_us throttled unsent_due; do
      vals="$(grep "^RESULT label=$label " "$out/results.txt" | tr ' ' '\n' | sed -n "s/^$f=//p" | sort -n | tr '\n' ' ')"
      line+="  $f=$(median_range $vals)"
    done
    if ((kestrel)); then
      g99="$(grep "^RESULT label=$label " "$out/results.txt" | tr ' ' '\n' | sed -n 's/^p99_ms=//p' | sort -n | tr '\n' ' ')"
      gm="$(median_range $g99)"
      line+="  gateway/kestrel p99 (medians)=$(echo "scale=2; ${gm%% *} / ${km%% *}" | bc)"
    fi
    echo "$line" | tee -a "$out/results.txt" >&2
  done
done
echo "output: $out" >&2
