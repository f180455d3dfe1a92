#!/usr/bin/env bash
# The cost of writing each invocation's log through to the file before its response (README "Logs"), measured
# interleaved: two gateway binaries (before and after the change) take turns on the same 64 B sync echo load.
#
#   loadtests/log-writethrough.sh BEFORE_BINARY AFTER_BINARY [--rounds N] [--duration S] [--connections N] [--data-in-cwd]
#
# Each round starts one binary on a fresh data folder (echo, one pre-forked environment per connection, --quiet),
# from an empty working directory (the content root) beside it; --data-in-cwd puts the data folder inside the working
# directory instead, as ./run.sh does (./data), which matters to a binary that still watches appsettings.json there.
# warms up for 2 s, then runs wrk for --duration seconds (closed loop, 64 B POST) and reads, over exactly that window:
#   req/s                      wrk's
#   gateway CPU µs/invocation  utime+stime of the gateway process alone (/proc/PID/stat) / lambda_invocations_total
#   write(2)/invocation        syscw of the gateway process (/proc/PID/io) / invocations: the write-through's count
#   box busy %                 all CPUs, from /proc/stat (how much else the shared box was doing)
# Rounds alternate before, after, before, after … so drift in the box's load hits both alike. Prints one line per
# run and the medians per binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="${1:?before binary}"
after="${2:?after binary}"
shift 2
rounds=3
duration=10
connections=16
data_in_cwd=false
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --data-in-cwd) data_in_cwd=true; shift ;;
    *) echo "log-writethrough.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

port=19471
scratch="$(mktemp -d /tmp/log-writethrough.XXXXXX)"
gateway_pid=""
cleanup() {
  [[ -n "$gateway_pid" ]] && kill "$gateway_pid" 2>/dev/null && wait "$gateway_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

payload='{"p":"'"$(printf 'x%.0s' $(seq 56))"'"}' # 64 bytes
cat >"$scratch/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$payload'
wrk.headers["Content-Type"] = "application/json"
EOF
cat >"$scratch/functions.json" <<EOF
{ "Functions": [ { "FunctionName": "echo", "Code": "$root/artifacts/samples", "Handler": "echo", "MemorySize": 128,
  "Timeout": 3, "ProvisionedEnvironments": $connections, "MaxEnvironments": $((connections * 2)) } ] }
EOF

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
writes() { awk '/^syscw:/ {print $2}' "/proc/$1/io"; }
invocations() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^lambda_invocations_total\{function="echo"\} / {print $2}'; }
box() { awk '/^cpu / {print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }

run() { # label binary
  local label="$1" binary="$2" cwd="$scratch/cwd-$RANDOM" data
  mkdir -p "$cwd"
  if $data_in_cwd; then data="$cwd/data"; else data="$scratch/data-$RANDOM"; fi
  (cd "$cwd" && exec "$binary" --urls "http://127.0.0.1:$port" --data "$data" --functions "$scratch/functions.json" --quiet \
    --Gateway:RequestRateMultiplier=1000 >"$scratch/gateway.log" 2>&1) &
  gateway_pid=$!
  for _ in $(seq 600); do
    curl -s "http://127.0.0.1:$port/_gateway/status" 2>/dev/null | grep -q "\"idleEnvironments\":$connections" && break
    sleep 0.1
  done
  wrk -t2 -c"$connections" -d2s -s "$scratch/post.lua" "http://127.0.0.1:$port/2015-03-31/functions/echo/invocations" >/dev/null
  local c0 w0 i0 b0 c1 w1 i1 b1 rps
  c0="$(cpu_ticks "$gateway_pid")"; w0="$(writes "$gateway_pid")"; i0="$(invocations)"; b0="$(box)"
  rps="$(wrk -t2 -c"$connections" -d"${duration}s" -s "$scratch/post.lua" "http://127.0.0.1:$port/2015-03-31/functions/echo/invocations" \
    | awk '/^Requests\/sec/ {print $2}')"
  c1="$(cpu_ticks "$gateway_pid")"; w1="$(writes "$gateway_pid")"; i1="$(invocations)"; b1="$(box)"
  kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=""
  rm -rf "$data" "$cwd"
  awk -v label="$label" -v rps="$rps" -v c="$((c1 - c0))" -v w="$((w1 - w0))" -v i0="$i0" -v i1="$i1" -v t="$ticks" \
      -v b0="$b0" -v b1="$b1" 'BEGIN {
    n = i1 - i0; split(b0, x, " "); split(b1, y, " ")
    printf "%-7s req/s %9.0f  invocations %8d  gateway CPU %6.2f us/inv  write(2) %5.2f /inv  box busy %3.0f%%\n",
      label, rps, n, c / t * 1e6 / n, w / n, 100 * (y[1] - x[1]) / (y[2] - x[2]) }' | tee -a "$scratch/results"
}

echo "log-writethrough: $(date -u +%FT%TZ) $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  before: $before"
echo "  after:  $after"
echo "  $rounds rounds x ${duration}s, $connections connections, 64 B sync echo, data in the working directory: $data_in_cwd"
for r in $(seq "$rounds"); do
  run before "$before"
  run after "$after"
done
echo "medians:"
for label in before after; do
  grep "^$label " "$scratch/results" | awk -v label="$label" '
    { rps[NR] = $3; cpu[NR] = $8; w[NR] = $11 }
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { printf "%-7s req/s %9.0f  gateway CPU %6.2f us/inv  write(2) %5.2f /inv\n", label, median(rps, NR), median(cpu, NR), median(w, NR) }'
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
