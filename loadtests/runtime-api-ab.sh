#!/usr/bin/env bash
# Issue 15's A/B of the Runtime API server inside the gateway: the same gateway binary with --runtime-api-server builtin
# (the hand-written HTTP/1.1 server) and --runtime-api-server kestrel (Kestrel serving each environment's sockets),
# the same closed-loop 64 B sync echo load as loadtests/hotpath.sh, interleaved A/B/A/B (the order swaps every round,
# so a drift in the box's load falls on both). Per run:
#
#   rps, p50, p99            the harness (closed loop, --connections in flight)
#   gateway CPU µs/inv       utime+stime of the gateway process (/proc/<pid>/stat) over the run ÷ invocations
#   workers CPU µs/inv       the same for the gateway's descendants (the C# echo workers)
#   instructions:u/inv       `perf stat -e instructions:u -p <gateway>` ÷ invocations: steady on a busy box, where µs
#                            are not ("n/a" where the machine exposes no hardware counters, e.g. most VMs/containers)
#   ctx switches/inv         `perf stat -e context-switches` ÷ invocations
#
#   loadtests/runtime-api-ab.sh [--rounds N (4)] [--duration S (8)] [--warmup S (3)] [--connections N (32)]
#                               [--binary PATH (artifacts/gateway/Gateway)]
#
# Each run starts a fresh gateway (32 pre-forked echo environments, loadtests/functions.json), warms it up with
# --warmup seconds of the same load, then measures --duration seconds. Publish first (scripts/publish.sh). Prints one
# RESULT line per run and the medians (min–max) per server; everything goes to artifacts/loadtests/runtime-api-ab-<time>/.
set -euo pipefail
command_line="loadtests/runtime-api-ab.sh $*"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=4
duration=8
warmup=3
connections=32
binary=artifacts/gateway/Gateway
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "runtime-api-ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$binary" ]] || { echo "runtime-api-ab.sh: $binary not found: run scripts/publish.sh first" >&2; exit 1; }

dotnet build loadtests/Gateway.LoadTests/Gateway.LoadTests.csproj -c Release -nologo -tl:off -v:q \
  -o artifacts/loadtests/harness >artifacts/logs/build-loadtests.log 2>&1 || { tail -n 30 artifacts/logs/build-loadtests.log >&2; exit 1; }
harness_dll="$lt_root/artifacts/loadtests/harness/Gateway.LoadTests.dll"
out="$(lt_output_dir runtime-api-ab)"
lt_scratch runtime-api-ab
port=19463
url="http://127.0.0.1:$port"
path="/2015-03-31/functions/echo/invocations"
hz="$(getconf CLK_TCK)"

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ) loadavg=\"$(cut -d' ' -f1-3 /proc/loadavg)\""
  echo "COMMAND $command_line"
} | tee "$out/results.txt" >&2

descendants() { ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 } END { for (p in parent) { q = parent[p]; while (q && q != root && q in parent) q = parent[q]; if (q == root) printf "%s ", p } }'; }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
metric() { curl -s "$url/metrics" | awk -v n="$1" '$1 == n || $1 == n "{function=\"echo\"}" { if (!found) { print $2; found = 1 } }'; }
harness() { dotnet "$harness_dll" --url "$url" --function echo --payload-bytes 64 --warmup 0 --quiet --connections "$connections" "$@"; }

start() { # SERVER: sets pid
  rm -rf "$tmp/data"
  "$binary" --urls "$url" --data "$tmp/data" --functions loadtests/functions.json --quiet \
    --Gateway:RequestRateMultiplier=1000 --runtime-api-server "$1" >"$out/$1.log" 2>&1 &
  pid=$!
  lt_stop_on_exit "$pid"
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$url$path" 2>/dev/null)" == 200 ]] && break
    sleep 0.1
  done
  sleep 2 # all 32 pre-forked environments ready (the first 200 can come before)
}

stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

per_inv() { # VALUE N SCALE: VALUE/N, or n/a
  [[ "$1" =~ ^[0-9]+$ ]] || { echo n/a; return; }
  echo "scale=$3; $1 / $2" | bc
}

measure() { # SERVER ROUND
  local server="$1" round="$2"
  start "$server"
  if ! grep -q "Runtime API served by Kestrel" "$out/$server.log" && [[ "$server" == kestrel ]]; then
    echo "runtime-api-ab.sh: the kestrel gateway did not report Kestrel serving the Runtime API ($out/$server.log)" >&2; exit 1
  fi
  harness --duration "$warmup" >/dev/null 2>&1 || true
  local workers i0 i1 g0 g1 w0 w1 result perf_pid n ins ctx
  workers="$(descendants "$pid")"
  i0="$(metric lambda_invocations_total)"
  perf stat -e instructions:u,context-switches -x, -o "$tmp/perf.txt" -p "$pid" 2>/dev/null &
  perf_pid=$!
  g0="$(ticks "$pid")"; w0="$(ticks $workers)"
  harness --duration "$duration" --label "$server" >"$tmp/result" 2>/dev/null || true
  g1="$(ticks "$pid")"; w1="$(ticks $workers)"
  kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
  i1="$(metric lambda_invocations_total)"
  stop_server
  result="$(grep '^RESULT' "$tmp/result" | sed 's/ server_self_us=.*//' || echo "RESULT label=$server failed")"
  n=$((i1 - i0)); ((n > 0)) || n=1
  ins="$(awk -F, '$3 ~ /^instructions/ {print $1}' "$tmp/perf.txt")"
  ctx="$(awk -F, '$3 == "context-switches" {print $1}' "$tmp/perf.txt")"
  echo "$result round=$round invocations=$n" \
    "gateway_cpu_us=$(echo "scale=1; ($g1 - $g0) * 1000000 / $hz / $n" | bc)" \
    "workers_cpu_us=$(echo "scale=1; ($w1 - $w0) * 1000000 / $hz / $n" | bc)" \
    "instructions_per_inv=$(per_inv "${ins:-}" "$n" 0)" "ctx_per_inv=$(per_inv "${ctx:-}" "$n" 2)" \
    "loadavg=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/results.txt" >&2
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order=(builtin kestrel); else order=(kestrel builtin); fi
  for server in "${order[@]}"; do measure "$server" "$r"; done
done

median_range() { # sorted numbers -> "median (min–max)"
  (($#)) || { echo "-"; return; }
  local -a v=("$@"); local n=$# m
  if ((n % 2)); then m="${v[n / 2]}"; else m="$(echo "scale=2; (${v[n / 2 - 1]} + ${v[n / 2]}) / 2" | bc)"; fi
  echo "$m (${v[0]}–${v[n - 1]})"
}
echo "SUMMARY (median, min–max over $rounds rounds) loadavg_now=\"$(cut -d' ' -f1-3 /proc/loadavg)\"" | tee -a "$out/results.txt" >&2
for server in builtin kestrel; do
  line="$server"
  for f in rps p50_ms p99_ms gateway_cpu_us workers_cpu_us instructions_per_inv ctx_per_inv loadavg; do
    vals="$(grep "^RESULT label=$server " "$out/results.txt" | tr ' ' '\n' | sed -n "s/^$f=//p" | grep -E '^[0-9.]+$' | sort -n | tr '\n' ' ' || true)"
    line+="  $f=$(median_range $vals)"
  done
  echo "$line" | tee -a "$out/results.txt" >&2
done
echo "output: $out" >&2
