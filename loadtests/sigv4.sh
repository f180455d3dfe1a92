#!/usr/bin/env bash
# Gateway CPU per 64 B invoke with and without --auth sigv4, interleaved in one run (docs/performance.md, "SigV4
# verification"). Gateways (native binary) on the same functions; each round loads each in turn and reads the
# gateway's utime+stime from /proc/<pid>/stat around the load: CPU µs per invocation = ticks × 10⁶/CLK_TCK ÷ ok.
#   loadtests/sigv4.sh [ROUNDS=3] [SECONDS=8] [CONNECTIONS=8] [RATE]
# RATE (requests/s, optional): an open loop at that fixed rate instead of a closed loop, so both gateways serve the
# same request rate and their CPU per invoke is compared at equal batching (on a busy box a closed loop's rate, and
# with it the CPU per invoke, swings between the two modes by more than what verification costs).
# Loads per round (their order alternates round by round):
#   off      the auth-off gateway, unsigned requests (the first figure this script printed)
#   off-sig  the auth-off gateway, the same signed requests as "on" (Authorization, X-Amz-Date: the ~300 header bytes
#            every SDK sends whether or not the server verifies; --auth off ignores them)
#   on       the --auth sigv4 gateway, signed requests, every one fully verified
#   base     (only with SIGV4_BASELINE_BIN=path) another binary under --auth sigv4, signed: an A/B of two builds
# Prints one line per round and load, then per round what verification added: "on − off-sig" (verification alone:
# the answer to "verification adds ≤ 5 µs") and "on − off" (verification plus parsing the signature's headers), and
# SUMMARY lines with their medians and the load average around.
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
start() { # name port binary args...
  local name="$1" port="$2" binary="$3"; shift 3
  # Lambda's request-rate limit (10 × the account's 1,000 = 10,000 invokes/s) is lifted as in hotpath.sh: the
  # gateway now passes 10k/s here, and the 429s it would answer beyond that are not the signed path being measured.
  "$binary" --urls "http://127.0.0.1:$port" --data "$work/data-$name" --functions "$work/functions.json" --quiet \
    --Gateway:RequestRateMultiplier=1000 "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do grep -q "listening on" "$work/$name.log" && break; sleep 0.2; done
  sleep 3 # pre-forked environments
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%+.1f", v[(NR + 1) / 2]; else printf "%+.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
baseline="${SIGV4_BASELINE_BIN:-}"
start off 9311 "$bin"
off_pid="${pids[-1]}"
start on 9312 "$bin" --auth sigv4 --credentials "$work/credentials"
on_pid="${pids[-1]}"
modes=(off off-sig on)
if [[ -n "$baseline" ]]; then
  start base 9313 "$baseline" --auth sigv4 --credentials "$work/credentials"
  base_pid="${pids[-1]}"
  modes+=(base)
fi
tck="$(getconf CLK_TCK)"
declare -A cpu=()
echo "date=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) rounds=$rounds seconds=$seconds connections=$connections rate=${rate:-closed} bin=$bin baseline=${baseline:-none}"
for round in $(seq 1 "$rounds"); do
  order=("${modes[@]}")
  if ((round % 2 == 0)); then order=(); for ((i = ${#modes[@]} - 1; i >= 0; i--)); do order+=("${modes[i]}"); done; fi
  for mode in "${order[@]}"; do
    sign=(--sign AKIALOADTEST00000001:load-test-secret)
    case $mode in
      off) port=9311 pid=$off_pid sign=() ;;
      off-sig) port=9311 pid=$off_pid ;;
      on) port=9312 pid=$on_pid ;;
      base) port=9313 pid=$base_pid ;;
    esac
    before="$(cpu_ticks "$pid")"
    line="$(dotnet "$harness_dir/Gateway.LoadTests.dll" --url "http://127.0.0.1:$port" --function echo --payload-bytes 64 \
      --connections "$connections" --duration "$seconds" --warmup 0 --quiet --label "$mode" "${rate_args[@]}" "${sign[@]}" | grep '^RESULT')"
    after="$(cpu_ticks "$pid")"
    ok="$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<< "$line")"
    # The harness counts throttled, other4xx (a refused signature is a 403), 5xx and errors apart: not_ok is their sum.
    non2xx="$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(throttled|other4xx|5xx|errors)$/) n += kv[2] } } END { print n + 0 }' <<< "$line")"
    rps="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<< "$line")"
    cpu[$round,$mode]="$(awk -v t=$((after - before)) -v ok="$ok" -v tck="$tck" 'BEGIN { printf "%.1f", t * 1e6 / tck / ok }')"
    echo "round=$round load=$mode rps=$rps ok=$ok not_ok=$non2xx cpu_us_per_invoke=${cpu[$round,$mode]} loadavg=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
diff_of() { awk -v a="${cpu[$1,$2]}" -v b="${cpu[$1,$3]}" 'BEGIN { printf "%+.1f", a - b }'; }
alone=() with_headers=() headers=() base_alone=() new_vs_base=()
for round in $(seq 1 "$rounds"); do
  alone+=("$(diff_of "$round" on off-sig)")
  with_headers+=("$(diff_of "$round" on off)")
  headers+=("$(diff_of "$round" off-sig off)")
  line="round=$round verification_alone=${alone[-1]} (on ${cpu[$round,on]} - off-sig ${cpu[$round,off-sig]}) with_headers=${with_headers[-1]} (on - off ${cpu[$round,off]}) headers_only=${headers[-1]}"
  if [[ -n "$baseline" ]]; then
    base_alone+=("$(diff_of "$round" base off-sig)")
    new_vs_base+=("$(diff_of "$round" on base)")
    line+=" base_verification_alone=${base_alone[-1]} (base ${cpu[$round,base]}) new_minus_base=${new_vs_base[-1]}"
  fi
  echo "$line"
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "SUMMARY sigv4_added_us_per_invoke (verification alone: on - off-sig) median=$(median "${alone[@]}") rounds=${alone[*]} target<=5 load_end=$load_end"
echo "SUMMARY sigv4_added_us_per_invoke_vs_unsigned (on - off, the earlier figure) median=$(median "${with_headers[@]}") rounds=${with_headers[*]}"
echo "SUMMARY signature_headers_only (off-sig - off) median=$(median "${headers[@]}") rounds=${headers[*]}"
if [[ -n "$baseline" ]]; then
  echo "SUMMARY baseline_verification_alone (base - off-sig) median=$(median "${base_alone[@]}") rounds=${base_alone[*]}"
  echo "SUMMARY new_minus_baseline (on - base) median=$(median "${new_vs_base[@]}") rounds=${new_vs_base[*]}"
fi
