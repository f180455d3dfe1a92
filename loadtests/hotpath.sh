#!/usr/bin/env bash
# The gateway's cost per 64 B sync invocation, per variant, interleaved round by round (issue 15's budget table):
#
#   gateway CPU µs/inv     utime+stime of the gateway process (/proc/<pid>/stat) over the run ÷ invocations
#   workers CPU µs/inv     the same for the gateway's children (the echo workers)
#   ctx switches/inv       `perf stat -e context-switches,cpu-migrations -p <gateway>` over the run ÷ invocations
#   involuntary/inv        of those, the preemptions (nonvoluntary_ctxt_switches summed over /proc/<gateway>/task/*)
#   syscalls/inv           `perf stat -e raw_syscalls:sys_enter` (a counting tracepoint: no strace slow-down)
#   thread-pool items/inv  /metrics gateway_threadpool_completed_work_items_total delta ÷ invocations
#   req/s, p50, p99        the harness (closed loop by default; --rate R: open loop at R req/s)
#
#   loadtests/hotpath.sh [--rounds N (3)] [--duration S (8)] [--warmup S (3)] [--connections N (32)] [--rate R]
#                        [--kestrel] [--strace] --variant 'LABEL|BINARY[|ENV=V ENV=V…[|GATEWAY ARGS…]]' …
#
# Each variant is a gateway binary plus environment variables and extra gateway arguments; every round starts a
# fresh gateway per variant (32 pre-forked echo environments, loadtests/functions.json), warms it up with
# --warmup seconds of the same load, then measures --duration seconds. --kestrel adds bare Kestrel
# (loadtests/BareKestrel, native AOT) as a variant: the HTTP floor, measured the same way. --strace adds, after
# the rounds, one `strace -c -f` of each gateway variant over a 3 s run (syscalls per invocation; strace slows
# the gateway several times, so only its counts mean anything). Prints one RESULT line per run and a table of
# medians (with min–max) per variant; everything goes to artifacts/loadtests/hotpath-<UTC time>/.
set -euo pipefail
command_line="loadtests/hotpath.sh $*"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=3
duration=8
warmup=3
connections=32
rate=""
kestrel=0
do_strace=0
variants=()
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --kestrel) kestrel=1; shift ;;
    --strace) do_strace=1; shift ;;
    --variant) variants+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "hotpath.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
((${#variants[@]} > 0)) || variants=("current|artifacts/gateway/Gateway")
((kestrel)) && variants=("kestrel|artifacts/bare-kestrel/BareKestrel" "${variants[@]}")

# The variants name their binaries (publish them first: scripts/publish.sh); only the harness is built here.
dotnet build loadtests/Gateway.LoadTests/Gateway.LoadTests.csproj -c Release -nologo -tl:off -v:q \
  -o artifacts/loadtests/harness >artifacts/logs/build-loadtests.log 2>&1 || { tail -n 30 artifacts/logs/build-loadtests.log >&2; exit 1; }
harness_dll="$lt_root/artifacts/loadtests/harness/Gateway.LoadTests.dll"
if ((kestrel)) && [[ ! -x artifacts/bare-kestrel/BareKestrel ]]; then
  dotnet publish loadtests/BareKestrel/BareKestrel.csproj -c Release -o artifacts/bare-kestrel -nologo -tl:off \
    >artifacts/logs/publish-bare-kestrel.log 2>&1 || { tail -n 30 artifacts/logs/publish-bare-kestrel.log >&2; exit 1; }
fi
out="$(lt_output_dir hotpath)"
lt_scratch hotpath
port=19461
url="http://127.0.0.1:$port"
path="/2015-03-31/functions/echo/invocations"
hz="$(getconf CLK_TCK)"
load=(--connections "$connections")
[[ -n "$rate" ]] && load+=(--rate "$rate")

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ)"
  echo "COMMAND $command_line"
} | tee "$out/results.txt" >&2

# descendants PID: every process below PID (a worker may sit under its bwrap sandbox).
descendants() { ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 } END { for (p in parent) { q = parent[p]; while (q && q != root && q in parent) q = parent[q]; if (q == root) printf "%s ", p } }'; }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
involuntary() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^nonvoluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'; }
metric() { curl -s "$url/metrics" | awk -v n="$1" '$1 == n || $1 == n "{function=\"echo\"}" { if (!found) { print $2; found = 1 } }'; }

# start VARIANT: sets pid (the server) and is_gateway.
start() {
  local label binary envs args
  IFS='|' read -r label binary envs args <<<"$1"
  local -a env_list=() arg_list=()
  [[ -n "$envs" ]] && read -r -a env_list <<<"$envs"
  [[ -n "$args" ]] && read -r -a arg_list <<<"$args"
  if [[ "$label" == kestrel ]]; then
    is_gateway=0
    env "${env_list[@]}" "$binary" --urls "$url" >"$out/$label.log" 2>&1 &
  else
    is_gateway=1
    rm -rf "$tmp/data"
    env "${env_list[@]}" "$binary" --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet \
      --Gateway:RequestRateMultiplier=1000 "${arg_list[@]}" >"$out/$label.log" 2>&1 &
  fi
  pid=$!
  lt_stop_on_exit "$pid"
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$url$path" 2>/dev/null)" == 200 ]] && break
    sleep 0.1
  done
  # All 32 pre-forked environments ready (the first 200 can come before).
  if ((is_gateway)); then sleep 2; fi
}

stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

harness() { dotnet "$harness_dll" --url "$url" --function echo --payload-bytes 64 --warmup 0 --quiet "$@"; }

measure() {
  local label="$1" round="$2"
  start "$1$3"
  harness "${load[@]}" --duration "$warmup" >/dev/null 2>&1 || true
  local workers i0=0 i1=0 tp0=0 tp1=0 g0 g1 w0 w1 result perf_pid hpid ctx mig n
  workers="$(descendants "$pid")"
  if ((is_gateway)); then i0="$(metric lambda_invocations_total)"; tp0="$(metric gateway_threadpool_completed_work_items_total)"; fi
  inv0="$(involuntary "$pid")"
  perf stat -e context-switches,cpu-migrations,raw_syscalls:sys_enter -x, -o "$tmp/perf.txt" -p "$pid" 2>/dev/null &
  perf_pid=$!
  g0="$(ticks "$pid")"; w0="$(ticks $workers)"
  harness "${load[@]}" --duration "$duration" --label "$label" >"$tmp/result" 2>/dev/null &
  hpid=$!
  wait "$hpid" || true
  g1="$(ticks "$pid")"; w1="$(ticks $workers)"
  kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
  inv1="$(involuntary "$pid")"
  result="$(grep '^RESULT' "$tmp/result" || echo "RESULT label=$label failed")"
  if ((is_gateway)); then i1="$(metric lambda_invocations_total)"; tp1="$(metric gateway_threadpool_completed_work_items_total)"; n=$((i1 - i0))
  else n="$(echo "$result" | tr ' ' '\n' | sed -n 's/^ok=//p')"; fi
  ((n > 0)) || n=1
  ctx="$(awk -F, '$3 == "context-switches" {print $1}' "$tmp/perf.txt")"
  mig="$(awk -F, '$3 == "cpu-migrations" {print $1}' "$tmp/perf.txt")"
  sys="$(awk -F, '$3 == "raw_syscalls:sys_enter" {print $1}' "$tmp/perf.txt")"
  stop_server
  echo "$result round=$round invocations=$n" \
    "gateway_cpu_us=$(echo "scale=1; ($g1 - $g0) * 1000000 / $hz / $n" | bc)" \
    "workers_cpu_us=$(echo "scale=1; ($w1 - $w0) * 1000000 / $hz / $n" | bc)" \
    "ctx_per_inv=$(echo "scale=2; ${ctx:-0} / $n" | bc)" "migrations_per_inv=$(echo "scale=3; ${mig:-0} / $n" | bc)" \
    "involuntary_per_inv=$(echo "scale=2; ($inv1 - $inv0) / $n" | bc)" "syscalls_per_inv=$(echo "scale=2; ${sys:-0} / $n" | bc)" \
    "threadpool_items_per_inv=$(echo "scale=2; (${tp1:-0} - ${tp0:-0}) / $n" | bc)" "loadavg=$(cut -d' ' -f1 /proc/loadavg)" \
    | tee -a "$out/results.txt" >&2
}

for ((r = 1; r <= rounds; r++)); do
  for v in "${variants[@]}"; do
    IFS='|' read -r label rest <<<"$v"
    measure "$label" "$r" "|$rest"
  done
done

if ((do_strace)); then
  for v in "${variants[@]}"; do
    IFS='|' read -r label rest <<<"$v"
    [[ "$label" == kestrel ]] && continue
    start "$label|$rest"
    harness "${load[@]}" --duration 2 >/dev/null 2>&1 || true
    i0="$(metric lambda_invocations_total)"
    strace -c -f -p "$pid" -o "$out/strace-$label.txt" &
    spid=$!
    sleep 0.5
    harness --connections "$connections" --duration 3 >/dev/null 2>&1 || true
    kill -INT "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    i1="$(metric lambda_invocations_total)"
    stop_server
    n=$((i1 - i0)); ((n > 0)) || n=1
    echo "STRACE label=$label invocations=$n syscalls_per_inv=$(awk '$NF == "total" {print $(NF-2)}' "$out/strace-$label.txt" | head -n 1 | xargs -I{} echo "scale=2; {} / $n" | bc)" \
      | tee -a "$out/results.txt" >&2
    awk -v n="$n" 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" { calls = ($5 ~ /^[0-9]+$/ && NF == 6) ? $4 : $4; printf "  %-16s %8.3f/inv\n", $NF, calls / n }' \
      "$out/strace-$label.txt" | sort -k2 -rn | head -n 12 | tee -a "$out/results.txt" >&2
  done
fi

# median_range V…: "median (min–max)" of sorted numbers, or "-".
median_range() {
  (($#)) || { echo "-"; return; }
  local -a v=("$@"); local n=$# m
  if ((n % 2)); then m="${v[n / 2]}"; else m="$(echo "scale=2; (${v[n / 2 - 1]} + ${v[n / 2]}) / 2" | bc)"; fi
  echo "$m (${v[0]}–${v[n - 1]})"
}

# Medians (min–max) per variant.
echo "SUMMARY (median, min–max over $rounds rounds)" | tee -a "$out/results.txt" >&2
for v in "${variants[@]}"; do
  IFS='|' read -r label _ <<<"$v"
  line="$label"
  for f in rps p99_ms gateway_cpu_us workers_cpu_us ctx_per_inv involuntary_per_inv syscalls_per_inv threadpool_items_per_inv; do
    vals="$(grep "^RESULT label=$label " "$out/results.txt" | tr ' ' '\n' | sed -n "s/^$f=//p" | sort -n | tr '\n' ' ')"
    line+="  $f=$(median_range $vals)"
  done
  echo "$line" | tee -a "$out/results.txt" >&2
done
echo "output: $out" >&2
