#!/usr/bin/env bash
# Where a server's CPU per 64 B sync invocation goes, by kernel entry (issue 15, wave 7): `perf record -g` of one server
# process under a warmed closed loop, each sample charged to its outermost system call (`__x64_sys_*`), to the rest of
# the kernel, or to user space; `sendto` split into TCP (the response to the caller) and Unix (the delivery to a
# worker), each with the share spent in the kernel's wake-up path (try_to_wake_up / sock_def_readable).
#
#   loadtests/cpu-profile.sh [--seconds S (8)] [--connections N (32)] [--freq HZ (2999)] [--kestrel] [BINARY (artifacts/gateway/Gateway)]
#
# The gateway gets 32 pre-forked echo environments (loadtests/functions.json's shape); --kestrel profiles bare
# Kestrel's echo (loadtests/BareKestrel) the same way instead. Prints µs per invocation per bucket; perf.data and the
# harness's RESULT line stay in artifacts/loadtests/cpu-profile-<UTC time>/. This VM has no PMU: perf samples on a
# timer, so time spent with interrupts off (wake-ups) is charged where they are turned back on
# (_raw_spin_unlock_irqrestore), inside the system call that did it.
set -euo pipefail
seconds=8 connections=32 freq=2999 kestrel=0 binary=""
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --freq) freq="$2"; shift 2 ;;
    --kestrel) kestrel=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) binary="$(realpath "$1")"; shift ;;
  esac
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v perf >/dev/null || { echo "cpu-profile.sh: needs perf (linux-perf)" >&2; exit 1; }
lt_build_harness
lt_scratch cpu-profile
out="$(lt_output_dir cpu-profile)"
port=9431 url="http://127.0.0.1:9431"
if ((kestrel)); then
  [[ -x artifacts/bare-kestrel/BareKestrel ]] || dotnet publish loadtests/BareKestrel/BareKestrel.csproj -c Release -o artifacts/bare-kestrel -nologo -tl:off >artifacts/logs/publish-bare-kestrel.log 2>&1
  artifacts/bare-kestrel/BareKestrel --urls "$url" >"$out/server.log" 2>&1 &
else
  printf '{"Functions":[{"FunctionName":"echo","Code":"%s","Handler":"echo","MemorySize":128,"Timeout":3,"ProvisionedEnvironments":32,"MaxEnvironments":32}]}\n' \
    "${GATEWAY_SAMPLES_DIR:-$lt_root/artifacts/samples}" >"$tmp/functions.json"
  "${binary:-$lt_root/artifacts/gateway/Gateway}" --urls "$url" --data "$tmp/data" --functions "$tmp/functions.json" --quiet \
    --Gateway:RequestRateMultiplier=1000 >"$out/server.log" 2>&1 &
fi
server=$!
lt_stop_on_exit "$server"
for _ in $(seq 1 300); do curl -s -o /dev/null "$url/" && break; sleep 0.2; done
load() { dotnet "$harness_dll" --url "$url" --function echo --payload-bytes 64 --connections "$connections" --duration "$1" --warmup 0 --quiet | grep '^RESULT'; }
load 3 >/dev/null # warm: the pool, the JIT-free paths' caches, Kestrel's connections
perf record -F "$freq" -g -p "$server" -o "$out/perf.data" -- sleep "$((seconds + 1))" >/dev/null 2>&1 &
perf_pid=$!
result="$(load "$seconds")"
wait "$perf_pid" || true
echo "$result" | tee "$out/result.txt"
ok="$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$result")"
echo "date=$(date -u +%FT%TZ) server=$( ((kestrel)) && echo kestrel || echo "${binary:-artifacts/gateway/Gateway}") invocations=$ok load=$(cut -d' ' -f1-3 /proc/loadavg)"
perf script -i "$out/perf.data" -F ip,sym,dso 2>/dev/null | awk -v ok="$ok" -v f="$freq" '
  function flush() {
    if (!n) return
    total++
    key = sys != "" ? sys : (first_kernel ? "kernel (no system call)" : "user space")
    if (sys ~ /sendto/) key = key (tcp ? " TCP" : unix ? " Unix" : "")
    count[key]++
    if (wake && sys != "") waking[key]++
    n = 0; sys = ""; first_kernel = 0; tcp = 0; unix = 0; wake = 0
  }
  NF == 0 { flush(); next }
  {
    n++
    if ($0 ~ /kernel.kallsyms/ && n == 1) first_kernel = 1
    if ($2 ~ /^__x64_sys_/) sys = substr($2, 11)
    if ($2 ~ /tcp_sendmsg/) tcp = 1
    if ($2 ~ /unix_stream_sendmsg/) unix = 1
    if ($2 ~ /try_to_wake_up|sock_def_readable/) wake = 1
  }
  END {
    flush()
    for (k in count) printf "%8.2f µs  %5.1f %%  %s%s\n", count[k] / f * 1e6 / ok, 100 * count[k] / total, k, (k in waking) ? sprintf(" (waking a reader: %.2f µs)", waking[k] / f * 1e6 / ok) : ""
    printf "%8.2f µs  total sampled\n", total / f * 1e6 / ok
  }' | sort -rn | tee "$out/buckets.txt"
echo "output: $out"
