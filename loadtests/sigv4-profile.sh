#!/usr/bin/env bash
# Where a signed 64 B invoke's gateway CPU goes, for this build and another (A/B in one run; docs/performance.md, "The
# Authorization prefix cache"). Both gateways (native binaries, --auth sigv4) serve the same signed requests at the same
# fixed rate; each round records each in turn with `perf record -F FREQ -g -p <gateway>`, then every sample is given to
# its innermost gateway frame (the first frame, from the leaf, whose symbol is the gateway's own code; libcrypto, libc
# and the runtime below it count for that frame) and counted as "verifier" when that frame is in
# Gateway.Security.Signing. Verifier µs per invocation = verifier samples ÷ FREQ ÷ invocations (and, apart, with the
# samples in libcrypto that perf cannot walk back to a gateway frame: the hashing itself); a sample share is
# steadier on a shared box than a CPU-time difference between two processes.
#   loadtests/sigv4-profile.sh BASELINE_BIN [ROUNDS=3] [SECONDS=8] [CONNECTIONS=16] [RATE=6000] [FREQ=1999]
# SIGV4_PROFILE_KEEP=DIR keeps each round's perf.data there (NAME-ROUND.data) for `perf report`.
# Needs perf and Gateway.dbg beside each binary (scripts/publish.sh leaves it there). GATEWAY_BIN / GATEWAY_SAMPLES_DIR
# override artifacts/gateway/Gateway and artifacts/samples, which are published first when stale (LT_NO_PUBLISH=1: as
# they are).
set -euo pipefail
keep="${SIGV4_PROFILE_KEEP:+$(realpath -m "$SIGV4_PROFILE_KEEP")}" # resolved before lib.sh moves to the root
baseline="$(realpath "$1")" rounds="${2:-3}" seconds="${3:-8}" connections="${4:-16}" rate="${5:-6000}" freq="${6:-1999}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" # the repository root, scratch folder, harness, stopping on exit
bin="${GATEWAY_BIN:-$lt_root/artifacts/gateway/Gateway}"
samples="${GATEWAY_SAMPLES_DIR:-$lt_root/artifacts/samples}"
lt_scratch sigv4-profile
work="$tmp"
printf '{"Functions":[{"FunctionName":"echo","Code":"%s","Handler":"echo","MemorySize":128,"Timeout":3,"ProvisionedEnvironments":8,"MaxEnvironments":16}]}\n' \
  "$samples" > "$work/functions.json"
printf '[load]\naws_access_key_id = AKIALOADTEST00000001\naws_secret_access_key = load-test-secret\n' > "$work/credentials"
lt_build_harness
start() { # name port binary; sets started_pid
  "$3" --urls "http://127.0.0.1:$2" --data "$work/data-$1" --functions "$work/functions.json" --quiet \
    --Gateway:RequestRateMultiplier=1000 --auth sigv4 --credentials "$work/credentials" > "$work/$1.log" 2>&1 &
  started_pid=$!
  lt_stop_on_exit "$started_pid"
  for _ in $(seq 1 300); do grep -q "listening on" "$work/$1.log" && break; sleep 0.2; done
  sleep 3
}
start new 9321 "$bin"; new_pid="$started_pid"
start base 9322 "$baseline"; base_pid="$started_pid"
classify() { # perf.data → "verifier_samples total_samples libcrypto_samples"
  # libcrypto_samples: samples whose leaf is in libcrypto but that have no gateway frame to charge (its hand-written
  # SHA-256 keeps no frame pointer, so perf's -g walk stops there). Only SigV4 calls libcrypto in this gateway (no TLS,
  # .NET's random numbers come from the kernel), so they are the verifier's hashing; counted apart from verifier.
  perf script -i "$1" -F ip,sym,dso 2>/dev/null | awk '
    function done_sample() {
      if (n) { total++; if (inner ~ /Security_Signing/) verifier++; else if (inner == "" && leaf ~ /libcrypto/) crypto++ }
      n = 0; inner = ""; leaf = ""
    }
    NF == 0 { done_sample(); next }
    { n++; sym = $2; if (n == 1) leaf = $NF; if (inner == "" && sym ~ /^Gateway_/) inner = sym }
    END { done_sample(); printf "%d %d %d\n", verifier, total, crypto }'
}
echo "date=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) rounds=$rounds seconds=$seconds connections=$connections rate=$rate freq=$freq bin=$bin baseline=$baseline"
declare -A us=() with_crypto=()
for round in $(seq 1 "$rounds"); do
  order=(new base); ((round % 2 == 0)) && order=(base new)
  for name in "${order[@]}"; do
    if [[ $name == new ]]; then port=9321 pid=$new_pid; else port=9322 pid=$base_pid; fi
    perf record -F "$freq" -g -p "$pid" -o "$work/$name.data" -- sleep "$((seconds + 1))" > /dev/null 2>&1 &
    perf_pid=$!
    line="$(dotnet "$harness_dll" --url "http://127.0.0.1:$port" --function echo --payload-bytes 64 \
      --connections "$connections" --duration "$seconds" --warmup 0 --quiet --rate "$rate" --sign AKIALOADTEST00000001:load-test-secret | grep '^RESULT')"
    wait "$perf_pid" || true
    [[ -n "$keep" ]] && mkdir -p "$keep" && cp "$work/$name.data" "$keep/$name-$round.data"
    ok="$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<< "$line")"
    read -r verifier total crypto < <(classify "$work/$name.data")
    us[$round,$name]="$(awk -v v="$verifier" -v f="$freq" -v ok="$ok" 'BEGIN { printf "%.2f", v / f * 1e6 / ok }')"
    with_crypto[$round,$name]="$(awk -v v="$((verifier + crypto))" -v f="$freq" -v ok="$ok" 'BEGIN { printf "%.2f", v / f * 1e6 / ok }')"
    echo "round=$round build=$name ok=$ok samples=$total verifier_samples=$verifier verifier_share=$(awk -v v="$verifier" -v t="$total" 'BEGIN { printf "%.1f%%", 100 * v / t }') verifier_us_per_invoke=${us[$round,$name]} libcrypto_samples=$crypto verifier_with_libcrypto_us=${with_crypto[$round,$name]} all_us_per_invoke=$(awk -v t="$total" -v f="$freq" -v ok="$ok" 'BEGIN { printf "%.1f", t / f * 1e6 / ok }') loadavg=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
new_all=() base_all=() new_crypto=() base_crypto=()
for round in $(seq 1 "$rounds"); do
  new_all+=("${us[$round,new]}"); base_all+=("${us[$round,base]}")
  new_crypto+=("${with_crypto[$round,new]}"); base_crypto+=("${with_crypto[$round,base]}")
done
echo "SUMMARY verifier_us_per_invoke new median=$(median "${new_all[@]}") (${new_all[*]}) base median=$(median "${base_all[@]}") (${base_all[*]}) load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "SUMMARY verifier_with_libcrypto_us_per_invoke new median=$(median "${new_crypto[@]}") (${new_crypto[*]}) base median=$(median "${base_crypto[@]}") (${base_crypto[*]})"
