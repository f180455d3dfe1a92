#!/usr/bin/env bash
# Gateway CPU per 64 B invoke with and without --auth sigv4, interleaved in one run (docs/performance.md, "SigV4
# verification"). Two gateways (native binary) on the same functions; each round loads one, then the other, and reads
# the gateway's utime+stime from /proc/<pid>/stat around the load: CPU µs per invocation = ticks × 10⁶/CLK_TCK ÷ ok.
#   loadtests/sigv4.sh [ROUNDS=3] [SECONDS=8] [CONNECTIONS=8] [RATE]
# RATE (requests/s, optional): an open loop at that fixed rate instead of a closed loop, so both gateways serve the
# same request rate and their CPU per invoke is compared at equal batching (on a busy box a closed loop's rate, and
# with it the CPU per invoke, swings between the two modes by more than what verification costs).
# Prints one line per round and mode, then per round the CPU verification added (on − off, same round) and a
# SUMMARY line: the median of those differences, µs of gateway CPU added per invoke, with the load average around.
# LT_NO_PUBLISH is accepted for symmetry with the other load tests (this script never publishes: it uses the binary).
# GATEWAY_BIN / GATEWAY_SAMPLES_DIR override artifacts/gateway/Gateway and artifacts/samples.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}" seconds="${2:-8}" connections="${3:-8}" rate="${4:-}"
rate_args=()
[[ -n "$rate" ]] && rate_args=(--rate "$rate")
bin="${GATEWAY_BIN:-$root/artifacts/gateway/Gateway}"
samples="${GATEWAY_SAMPLES_DIR:-$root/artifacts/samples}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
printf '{"Functions":[{"FunctionName":"echo","Code":"%s","Handler":"echo","MemorySize":128,"Timeout":3,"ProvisionedEnvironments":%s,"MaxEnvironments":%s}]}\n' \
  "$samples" "$connections" "$((connections * 2))" > "$work/functions.json"
printf '[load]\naws_access_key_id = AKIALOADTEST00000001\naws_secret_access_key = load-test-secret\n' > "$work/credentials"
harness_dir="$work/harness"
dotnet build "$root/loadtests/Gateway.LoadTests" -c Release -o "$harness_dir" -nologo -v q >/dev/null
start() { # name port args...
  local name="$1" port="$2"; shift 2
  # Lambda's request-rate limit (10 × the account's 1,000 = 10,000 invokes/s) is lifted as in hotpath.sh: the
  # gateway now passes 10k/s here, and the 429s it would answer beyond that are not the signed path being measured.
  "$bin" --urls "http://127.0.0.1:$port" --data "$work/data-$name" --functions "$work/functions.json" --quiet \
    --Gateway:RequestRateMultiplier=1000 "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q "listening on" "$work/$name.log" && break; sleep 0.2; done
  sleep 3 # pre-forked environments
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start off 9311
off_pid="${pids[0]}"
start on 9312 --auth sigv4 --credentials "$work/credentials"
on_pid="${pids[1]}"
tck="$(getconf CLK_TCK)"
declare -A cpu=()
echo "date=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) rounds=$rounds seconds=$seconds connections=$connections rate=${rate:-closed}"
for round in $(seq 1 "$rounds"); do
  for mode in off on; do
    if [[ $mode == on ]]; then port=9312 pid=$on_pid sign=(--sign AKIALOADTEST00000001:load-test-secret); else port=9311 pid=$off_pid sign=(); fi
    before="$(cpu_ticks "$pid")"
    line="$(dotnet "$harness_dir/Gateway.LoadTests.dll" --url "http://127.0.0.1:$port" --function echo --payload-bytes 64 \
      --connections "$connections" --duration "$seconds" --warmup 0 --quiet --label "$mode" "${rate_args[@]}" "${sign[@]}" | grep '^RESULT')"
    after="$(cpu_ticks "$pid")"
    ok="$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<< "$line")"
    # The harness counts throttled, other4xx (a refused signature is a 403), 5xx and errors apart: not_ok is their sum.
    non2xx="$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(throttled|other4xx|5xx|errors)$/) n += kv[2] } } END { print n + 0 }' <<< "$line")"
    rps="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<< "$line")"
    cpu[$round,$mode]="$(awk -v t=$((after - before)) -v ok="$ok" -v tck="$tck" 'BEGIN { printf "%.1f", t * 1e6 / tck / ok }')"
    echo "round=$round auth=$mode rps=$rps ok=$ok not_ok=$non2xx cpu_us_per_invoke=${cpu[$round,$mode]}"
  done
done
added=()
for round in $(seq 1 "$rounds"); do
  added+=("$(awk -v on="${cpu[$round,on]}" -v off="${cpu[$round,off]}" 'BEGIN { printf "%+.1f", on - off }')")
  echo "round=$round sigv4_added_us_per_invoke=${added[-1]} (on ${cpu[$round,on]} - off ${cpu[$round,off]})"
done
median="$(printf '%s\n' "${added[@]}" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%+.1f", v[(NR + 1) / 2]; else printf "%+.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
echo "SUMMARY sigv4_added_us_per_invoke median=$median rounds=${added[*]} target<=5 load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
