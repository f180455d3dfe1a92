#!/usr/bin/env bash
# What cluster mode costs per invocation (issue 14): the same 64 B sync invoke of `echo` (the C# sample runtime, a
# pre-forked environment per connection) against
#   single    one node, no --cluster (the embedded default)
#   cluster1  one node + Redis (--cluster): every admission is one Redis script round trip
#   cluster3  three nodes + Redis, the load on node 1 (the other two are members: heartbeats, registry, queue)
# interleaved round by round (the box is shared: interleaving keeps slow minutes from landing on one config), with
#   added latency      closed loop, 1 connection: p50/p99 vs single
#   gateway CPU        µs of the gateway process per invocation (harness --cpu-pids, /proc over the measured window)
#   Redis CPU          µs of redis-server per invocation (/proc/<pid>/stat around the run) -> the admission rate one
#                      Redis core would bound the cluster at (Redis runs scripts on one thread)
#   Event acceptance   202/s, closed loop of Event invokes (--event-connections), single vs cluster1
#   context switches   and system calls of the gateway process per invocation (perf stat -p, warm-up included, scaled
#   and syscalls       as Redis CPU is), when perf can count them
# With --baseline DIR (a copy of an older artifacts/gateway), cluster1 and cluster3 are also run on that binary
# (cluster1-base, cluster3-base: their own Redis servers), interleaved with the others in every round: an A/B of one
# change on a shared box.
#
#   loadtests/cluster-latency.sh [--rounds N (3)] [--duration S (5)] [--event-connections N (16)] [--baseline DIR] [--out DIR]
#
# Prints a RESULT line per run, then SUMMARY lines (medians over the rounds). LT_NO_PUBLISH=1 measures
# artifacts/gateway as it is. Outputs in --out (default artifacts/loadtests/cluster-latency-<UTC>).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

rounds=3
duration=5
event_connections=16
baseline=""
out=""
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --event-connections) event_connections="$2"; shift 2 ;;
    --baseline) baseline="$(cd "$2" && pwd)"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "cluster-latency.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir cluster-latency "$out")"
command -v redis-server >/dev/null || scripts/install-deps.sh
lt_build_harness
lt_scratch cluster-latency
log() { echo "cluster-latency: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime, clock ticks
hz="$(getconf CLK_TCK)"

cat >"$tmp/functions.json" <<EOF
{ "Functions": [ { "FunctionName": "echo", "Code": "$root/artifacts/samples", "Handler": "echo", "Timeout": 3,
    "ProvisionedEnvironments": $((event_connections > 1 ? event_connections : 1)), "MaxEnvironments": 64 } ] }
EOF

# Two Redis servers: cluster1's and cluster3's (a shared one would make cluster3's idle nodes consume cluster1's Events).
declare -A redis_pid redis_url url pid bin
start_redis() { # NAME
  local port; port="$(free_port)"
  scripts/redis.sh --port "$port" --dir "$tmp/redis-$1" --foreground >"$out/redis-$1.log" 2>&1 &
  redis_pid[$1]=$!; lt_stop_on_exit "${redis_pid[$1]}"
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_url[$1]="redis://127.0.0.1:$port"
}
start_redis cluster1
start_redis cluster3
if [[ -n "$baseline" ]]; then
  start_redis cluster1-base
  start_redis cluster3-base
fi

start_gateway() { # NAME [gateway args…]
  local name="$1"; shift
  local port; port="$(free_port)"
  "${bin[$name]:-artifacts/gateway/Gateway}" --urls "http://127.0.0.1:$port" --data "$tmp/$name" --functions "$tmp/functions.json" --quiet \
    --request-rate-multiplier 1000 "$@" >"$out/$name.log" 2>&1 &
  pid[$name]=$!; url[$name]="http://127.0.0.1:$port"; lt_stop_on_exit "${pid[$name]}"
  for _ in $(seq 300); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "${url[$name]}/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && return 0
    kill -0 "${pid[$name]}" 2>/dev/null || { log "$name exited:"; tail -n 20 "$out/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  log "$name did not answer"; exit 1
}
start_gateway single
start_gateway cluster1 --cluster "${redis_url[cluster1]}" --node-id c1-n1 --cluster-nodes 1
start_gateway cluster3 --cluster "${redis_url[cluster3]}" --node-id c3-n1 --cluster-nodes 3
start_gateway cluster3b --cluster "${redis_url[cluster3]}" --node-id c3-n2 --cluster-nodes 3
start_gateway cluster3c --cluster "${redis_url[cluster3]}" --node-id c3-n3 --cluster-nodes 3
configs=(single cluster1 cluster3)
if [[ -n "$baseline" ]]; then
  for name in cluster1-base cluster3-base cluster3-base-b cluster3-base-c; do bin[$name]="$baseline/Gateway"; done
  start_gateway cluster1-base --cluster "${redis_url[cluster1-base]}" --node-id b1-n1 --cluster-nodes 1
  start_gateway cluster3-base --cluster "${redis_url[cluster3-base]}" --node-id b3-n1 --cluster-nodes 3
  start_gateway cluster3-base-b --cluster "${redis_url[cluster3-base]}" --node-id b3-n2 --cluster-nodes 3
  start_gateway cluster3-base-c --cluster "${redis_url[cluster3-base]}" --node-id b3-n3 --cluster-nodes 3
  configs=(single cluster1 cluster1-base cluster3 cluster3-base)
fi
can_perf=0
perf stat -e context-switches,raw_syscalls:sys_enter -p "${pid[single]}" -- sleep 0.2 >/dev/null 2>&1 && can_perf=1
sleep 2

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) redis=$(redis-server --version | grep -o 'v=[0-9.]*')"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/results.txt" >&2

# run LABEL CONFIG [harness args…]: one harness run against CONFIG's node; appends its RESULT line plus redis_us.
run() {
  local label="$1" config="$2"; shift 2
  local r0=0 r1=0 line ok rpid="${redis_pid[$config]:-}" perf_pid=""
  [[ -z "$rpid" ]] || r0="$(ticks "$rpid")"
  if ((can_perf)); then
    perf stat -x, -e context-switches,raw_syscalls:sys_enter -p "${pid[$config]}" -o "$tmp/perf-$label.txt" &
    perf_pid=$!
  fi
  line="$(dotnet "$harness_dll" --url "${url[$config]}" --label "$label" --function echo --payload-bytes 64 \
    --duration "$duration" --warmup 1 --cpu-pids "${pid[$config]}" --quiet "$@" 2>>"$out/harness.log" | grep '^RESULT')"
  [[ -z "$rpid" ]] || r1="$(ticks "$rpid")"
  local cs=0 sc=0
  if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
    cs="$(awk -F, '$3 == "context-switches" { print $1 }' "$tmp/perf-$label.txt")"
    sc="$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$tmp/perf-$label.txt")"
  fi
  ok="$(tr ' ' '\n' <<<"$line" | sed -n 's/^ok=//p')"
  # Redis ticks over the whole run (warmup included) ÷ the measured requests x (duration+1)/duration ≈ per request.
  local redis_us
  redis_us="$(echo "scale=1; ($r1 - $r0) * 1000000 / $hz / ($ok * ($duration + 1) / $duration)" | bc 2>/dev/null || echo 0)"
  # Context switches and system calls of the gateway, per request, scaled as Redis CPU is.
  local per="($ok * ($duration + 1) / $duration)" cs_inv sc_inv
  cs_inv="$(echo "scale=2; ${cs:-0} / $per" | bc 2>/dev/null || echo 0)"
  sc_inv="$(echo "scale=2; ${sc:-0} / $per" | bc 2>/dev/null || echo 0)"
  echo "$line redis_us=$redis_us cs_inv=$cs_inv syscalls_inv=$sc_inv config=$config" | tee -a "$out/results.txt" >&2
}

for round in $(seq 1 "$rounds"); do
  order=("${configs[@]}")
  if ((round % 2 == 0)); then order=(); for ((i = ${#configs[@]} - 1; i >= 0; i--)); do order+=("${configs[i]}"); done; fi
  for config in "${order[@]}"; do
    run "sync-$config" "$config" --connections 1
  done
  echo "LOADAVG label=round$round $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt" >&2
done
# Event acceptance after every sync round: each run leaves thousands of accepted events that the node then runs for
# a while, and a sync run measured during that drain measured the drain (one round of 2026-12-06 showed it: 3.3 ms).
for round in $(seq 1 "$rounds"); do
  for config in single cluster1; do
    run "event-$config" "$config" --connections "$event_connections" --invocation-type Event
  done
done

# Medians per label.
python3 - "$out/results.txt" "$duration" <<'EOF' | tee -a "$out/results.txt"
import statistics, sys
duration = float(sys.argv[2])
runs = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT "):
        continue
    f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    runs.setdefault(f["label"], []).append(f)
def med(label, key):
    values = [float(r[key]) for r in runs.get(label, []) if key in r]
    return statistics.median(values) if values else float("nan")
base50, base99, basecpu = med("sync-single", "p50_ms"), med("sync-single", "p99_ms"), med("sync-single", "server_self_us")
# The added p50 is also taken round by round (each cluster run against the single-node run of the same round), so a
# noisy minute moves both sides of one difference; the median of those differences is printed beside the other.
def paired(label):
    single = [float(r["p50_ms"]) for r in runs.get("sync-single", [])]
    other = [float(r["p50_ms"]) for r in runs.get(label, [])]
    diffs = [(o - s) * 1000 for s, o in zip(single, other)]
    return statistics.median(diffs) if diffs else float("nan"), diffs
for config in ("single", "cluster1", "cluster1-base", "cluster3", "cluster3-base"):
    label = "sync-" + config
    if label not in runs:
        continue
    p50, p99, cpu, redis = med(label, "p50_ms"), med(label, "p99_ms"), med(label, "server_self_us"), med(label, "redis_us")
    pm, diffs = paired(label)
    print(f"SUMMARY sync {config}: p50 {p50 * 1000:.0f} us ({(p50 - base50) * 1000:+.0f}; round by round {pm:+.0f}: {', '.join(f'{d:+.0f}' for d in diffs)}), "
          f"p99 {p99 * 1000:.0f} us ({(p99 - base99) * 1000:+.0f}), "
          f"gateway CPU {cpu:.1f} us/inv ({cpu - basecpu:+.1f}), context switches {med(label, 'cs_inv'):.2f}/inv, "
          f"syscalls {med(label, 'syscalls_inv'):.2f}/inv, redis CPU {redis:.1f} us/inv, rps {med(label, 'rps'):.0f}")
    if config != "single" and redis > 0 and not config.endswith("-base"):
        print(f"SUMMARY {config}: one Redis core at {redis:.1f} us per admission bounds the cluster near {1e6 / redis:,.0f} admissions/s")
for config in ("single", "cluster1"):
    label = "event-" + config
    print(f"SUMMARY event {config}: {med(label, 'ok') / duration:.0f} accepted (202) per second, "
          f"{med(label, 'p50_ms') * 1000:.0f} us p50 per acceptance, redis CPU {med(label, 'redis_us'):.1f} us/event")
EOF
echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt" >&2
cat <<'EOF' | tee -a "$out/results.txt"
NOTE lease batching: today each sync admission is one Redis round trip (and one release, not awaited). A node that
NOTE took several slots at once (a lease of k slots, returned when idle or when the lease lapses) would admit most
NOTE invocations locally: Redis CPU and the added round trip fall by about k, at the price of exactness - slots
NOTE leased to an idle node are unavailable to a busy one, so the cluster throttles below its limit by up to
NOTE (nodes - 1) x k slots, and a dead node's leased slots return only when its lease lapses.
EOF
echo "Outputs: $out" >&2
