#!/usr/bin/env bash
# Oversize abuse (issue 5): does a flood of 100 MB invoke bodies hurt everyone else?
#
#   1. gateway idle RSS; the 64 B sync echo closed loop alone (undisturbed)
#   2. --abusers clients (default 64) post --body-mb MB bodies to the echo function in a loop, half with
#      Content-Length (refused from the header: 413 before any body is read) and half chunked (read up to the
#      6 MB limit, then 413); meanwhile the same echo closed loop runs again
#   3. reports echo throughput disturbed / undisturbed (target >= 0.8) and gateway RSS (VmRSS sampled every
#      100 ms during the abuse) against idle (target: within 64 MB)
#   4. the abusers alone for --cost-seconds (default 10): the gateway's own CPU (its process and its workers, from
#      /proc at the start and end) per GB of 100 MB uploads offered, and per GB the abusers actually sent
#
# With --pin (on a box with at least 2 CPUs): the gateway and its workers and the echo load generator run on the
# last CPU, the abusers on CPU 0 (taskset), in both the undisturbed and the abused run: the ratio then says what
# the abuse costs the gateway, not what the abusers' own CPU takes from everyone on a shared core.
#
#   loadtests/abuse.sh [--duration S (10)] [--connections N (32)] [--abusers N (64)] [--body-mb M (100)]
#                      [--limit-rate R (curl's --limit-rate per abuser, e.g. 2M; default none)]
#                      [--pause S (0.1: each abuser's pause between requests)]
#                      [--curl-abusers (one shell loop and curl per upload instead of the harness)]
#                      [--pin] [--cost-seconds S (10; 0 skips step 4)] [--port P (19431)] [--out DIR]
#
# Abusers are one harness process (--scenario oversize) with --abusers connections, each posting a body, waiting
# for the 413 or the hang-up, pausing, and starting again. With --curl-abusers they are curl processes instead
# (-T from a sparse file for Content-Length, -T - from /dev/zero for chunked), as in the first measurements: a
# program start per upload, which on 2 cores costs more than the gateway's whole refusal. Either way they share
# the cores with the gateway, so the script also prints the gateway's own CPU seconds in each run; --limit-rate
# models slow clients instead of CPU-bound ones. Outputs in --out (default
# artifacts/loadtests/abuse-<UTC>). Everything it starts is stopped on exit (trap).
#
# The gateway runs with --Gateway:RequestRateMultiplier=1000: Lambda's request-rate limit (10 x the account's
# 1,000 concurrency = 10,000 invokes/s by default) would otherwise cap the measurement with 429s; throttle.sh
# checks the limits themselves.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

duration=10
warmup=3
connections=32
abusers=64
body_mb=100
limit_rate=""
pause=0.1
curl_abusers=false
pin=false
cost_seconds=10
port=19431
out=""
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --abusers) abusers="$2"; shift 2 ;;
    --body-mb) body_mb="$2"; shift 2 ;;
    --limit-rate) limit_rate="$2"; shift 2 ;;
    --pause) pause="$2"; shift 2 ;;
    --curl-abusers) curl_abusers=true; shift ;;
    --pin) pin=true; shift ;;
    --cost-seconds) cost_seconds="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "abuse.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir abuse "$out")"

lt_build_harness

# Pinning: "taskset -c N" prefixes (empty without --pin).
gw_cpu=(); abuse_cpu=()
if $pin; then
  command -v taskset >/dev/null || { echo "abuse.sh: --pin needs taskset (util-linux)" >&2; exit 2; }
  (($(nproc) >= 2)) || { echo "abuse.sh: --pin needs 2 CPUs" >&2; exit 2; }
  gw_cpu=(taskset -c "$(($(nproc) - 1))"); abuse_cpu=(taskset -c 0)
fi

lt_scratch abuse
log() { echo "abuse: $*" >&2; }

url="http://127.0.0.1:$port"
invoke="$url/2015-03-31/functions/echo/invocations"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
field() { grep "^RESULT label=$1 " "$out/results.txt" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$gw_pid/stat"; }
run() {
  local label="$1" c0
  log "run $label"
  c0="$(cpu_s)"
  "${gw_cpu[@]}" dotnet "$harness_dll" --url "$url" --label "$label" --out "$out/$label" --duration "$duration" --warmup "$warmup" \
    --payload-bytes 64 --connections "$connections" --cpu-pids "$gw_pid" 2>"$out/$label.progress.log" | tee -a "$out/results.txt" >&2
  echo "LOADAVG label=$label $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
  echo "GATEWAY_CPU label=$label seconds=$(echo "$(cpu_s) - $c0" | bc)" >>"$out/results.txt"
}

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

"${gw_cpu[@]}" artifacts/gateway/Gateway --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$invoke" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2
idle_kb="$(rss_kb "$gw_pid")"
log "idle RSS $((idle_kb / 1024)) MB"

# A first run pays for the load generator's JIT and the gateway's first growth: measured, but not compared.
run warmup
run undisturbed
after_undisturbed_kb="$(rss_kb "$gw_pid")"

# ---- the abusers ----
truncate -s "${body_mb}M" "$tmp/body.bin"              # sparse: no disk, reads as zeros
exec 9<> <(:)
abuse_loop() {
  local i="$1" mode="$2" code rate=()
  [[ -n "$limit_rate" ]] && rate=(--limit-rate "$limit_rate")
  while :; do
    if [[ "$mode" == length ]]; then
      code="$(curl -s "${rate[@]}" -o /dev/null -w '%{http_code}' -X POST -T "$tmp/body.bin" "$invoke" 2>/dev/null || true)"
    else
      code="$(head -c "${body_mb}M" /dev/zero | curl -s "${rate[@]}" -o /dev/null -w '%{http_code}' -X POST -T - "$invoke" 2>/dev/null || true)"
    fi
    echo "$mode $code" >>"$tmp/abuse-$i.log"
    # A refused request returns in milliseconds; without a pause each abuser would fork curl hundreds of times a
    # second and the box would measure process creation. read -t on a never-ready fd is a sleep without a fork.
    read -r -t "$pause" -u 9 || true
  done
}
sampler() {
  while :; do rss_kb "$gw_pid"; sleep 0.1; done >"$tmp/rss.txt"
}
sampler &
lt_stop_on_exit $!
abuser_pids=()
if $curl_abusers; then
  for i in $(seq "$abusers"); do
    mode=length; ((i % 2 == 0)) && mode=chunked
    abuse_loop "$i" "$mode" &
    $pin && taskset -cp 0 $! >/dev/null                 # its curls inherit the affinity
    abuser_pids+=($!); lt_stop_on_exit $!
  done
else
  # One process, --abusers connections (the harness's oversize scenario): the same uploads without a program
  # start per upload. It runs a little longer than the measured run and prints its counts when it ends.
  harness_rate=()
  [[ -n "$limit_rate" ]] && harness_rate=(--limit-rate "$(numfmt --from=iec "$limit_rate")")
  "${abuse_cpu[@]}" dotnet "$harness_dll" --url "$url" --scenario oversize --connections "$abusers" --body-mb "$body_mb" \
    --pause-ms "$(echo "$pause * 1000 / 1" | bc)" --duration $((2 + warmup + duration + 2)) --label abusers "${harness_rate[@]}" \
    >"$tmp/abusers.result" 2>&1 &
  abuser_pids+=($!); lt_stop_on_exit $!
fi
sleep 2                                                  # let the abuse reach a steady state
run abused
if $curl_abusers; then
  for pid in "${abuser_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
else
  wait "${abuser_pids[0]}" || true
fi
sleep 1
after_abuse_kb="$(rss_kb "$gw_pid")"
max_kb="$(sort -n "$tmp/rss.txt" | tail -n 1)"
cat "$tmp"/abuse-*.log 2>/dev/null | sort | uniq -c | sed 's/^ */ABUSE_RESPONSES count=/' >>"$out/results.txt" || true
grep -h '^RESULT label=abusers' "$tmp/abusers.result" 2>/dev/null | sed 's/^RESULT/ABUSE_RESPONSES/' >>"$out/results.txt" || true
cp "$tmp/rss.txt" "$out/rss-samples-kb.txt"

# ---- 4. the abusers alone: the gateway's CPU per GB refused ----
if ((cost_seconds > 0)) && ! $curl_abusers; then
  log "abusers alone for $cost_seconds s"
  # proc-cpu.py samples at its start and end: the window is the abusers' whole run.
  loadtests/proc-cpu.py --summary --delay 0.2 --window "$((cost_seconds + 1))" --root "gateway=$gw_pid" >"$tmp/cost.proccpu" &
  cost_sampler=$!
  harness_rate=()
  [[ -n "$limit_rate" ]] && harness_rate=(--limit-rate "$(numfmt --from=iec "$limit_rate")")
  "${abuse_cpu[@]}" dotnet "$harness_dll" --url "$url" --scenario oversize --connections "$abusers" --body-mb "$body_mb" \
    --pause-ms "$(echo "$pause * 1000 / 1" | bc)" --duration "$cost_seconds" --label abusers-alone "${harness_rate[@]}" >"$tmp/cost.result" 2>&1 || true
  wait "$cost_sampler" || true
  cost_line="$(grep -h '^RESULT label=abusers-alone' "$tmp/cost.result" || true)"
  uploads="$(sed -n 's/.* uploads=\([0-9]*\).*/\1/p' <<<"$cost_line")"
  mb_sent="$(sed -n 's/.* mb_sent=\([0-9]*\).*/\1/p' <<<"$cost_line")"
  gw_cpu_s="$(awk '$2 == "root=gateway" { for (i = 1; i <= NF; i++) if ($i ~ /^cpu_s=/) { split($i, kv, "="); print kv[2] } }' "$tmp/cost.proccpu")"
  gw_self_s="$(awk '$2 == "root=gateway" { for (i = 1; i <= NF; i++) if ($i ~ /^self_s=/) { split($i, kv, "="); print kv[2] } }' "$tmp/cost.proccpu")"
  if [[ -n "$uploads" && "$uploads" -gt 0 && -n "$gw_cpu_s" ]]; then
    offered_gb="$(echo "scale=3; $uploads * $body_mb * 1048576 / 1000000000" | bc -l)"
    echo "COST abusers_alone_s=$cost_seconds uploads=$uploads offered_gb=$offered_gb sent_mb=$mb_sent gateway_cpu_s=$gw_cpu_s gateway_process_cpu_s=$gw_self_s" \
      "cpu_s_per_offered_gb=$(echo "scale=4; $gw_cpu_s / $offered_gb" | bc -l)" \
      "cpu_s_per_sent_gb=$( ((mb_sent > 0)) && echo "scale=4; $gw_cpu_s * 1000 / $mb_sent" | bc -l || echo n/a)" >>"$out/results.txt"
  fi
  echo "$cost_line" | sed 's/^RESULT/ABUSE_ALONE/' >>"$out/results.txt"
fi

ratio="$(echo "scale=2; $(field abused rps) / $(field undisturbed rps)" | bc -l)"
{
  echo "SUMMARY undisturbed_rps=$(field undisturbed rps) abused_rps=$(field abused rps) ratio=$ratio" \
    "p99_ms_undisturbed=$(field undisturbed p99_ms) p99_ms_abused=$(field abused p99_ms)"
  printf 'MEMORY idle_mb=%.1f after_undisturbed_mb=%.1f max_during_abuse_mb=%.1f above_idle_mb=%.1f after_abuse_mb=%.1f\n' \
    "$(echo "$idle_kb / 1024" | bc -l)" "$(echo "$after_undisturbed_kb / 1024" | bc -l)" "$(echo "$max_kb / 1024" | bc -l)" \
    "$(echo "($max_kb - $idle_kb) / 1024" | bc -l)" "$(echo "$after_abuse_kb / 1024" | bc -l)"
  grep -E '^(ABUSE_RESPONSES|ABUSE_ALONE|GATEWAY_CPU|COST)' "$out/results.txt" || true
  echo "CPU undisturbed: $(grep '^RESULT label=undisturbed' "$out/results.txt" | grep -oE '(server_self_us|server_tree_us|harness_us)=[0-9.]+' | tr '\n' ' ')"
  echo "CPU abused:      $(grep '^RESULT label=abused' "$out/results.txt" | grep -oE '(server_self_us|server_tree_us|harness_us)=[0-9.]+' | tr '\n' ' ')"
  echo "SETTINGS pin=$pin$($pin && echo " (gateway, workers and echo load on CPU $(($(nproc) - 1)), abusers on CPU 0)") abusers=$abusers body_mb=$body_mb limit_rate=${limit_rate:-none} pause_s=$pause connections=$connections duration=$duration"
  echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Outputs: $out"
} | tee -a "$out/summary.txt"
