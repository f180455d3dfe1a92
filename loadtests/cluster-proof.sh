#!/usr/bin/env bash
# The cluster proof (issue 14): three native gateway nodes and one Redis on loopback, five scenarios, a PASS or
# FAIL line each; exits 1 when any fails. Correctness, not speed: the loads are small.
#
#   loadtests/cluster-proof.sh [--smoke] [--only a,b,c,d,e] [--out DIR] [--keep]
#
#   d  registry: a function created, reconfigured and given reserved concurrency 0 through node 1's management API
#      is served so by nodes 2 and 3 within 1 s (timed from node 1's answer until an invoke on each node shows it).
#   a  limits: account concurrency 20, function `limited` reserved 5, `open` unreserved (15); each function sleeps
#      1 s; open loop at 3x capacity (15 + 45 req/s) round-robin over the nodes for 30 s (smoke: 10 s). The peak
#      number of runs in progress, counted by the functions themselves (start/end lines appended with O_APPEND to
#      one file, loadtests/cluster/recorder/bootstrap), never exceeds 5 for `limited` or 20 over all functions; the
#      admitted and throttled totals match the concurrency model within throttle.sh's tolerance (10% or 3 requests).
#   b  kill -9: 5,000 Event invokes of `limited` (smoke: 1,000) round-robin; node 2 is killed with SIGKILL after
#      40% of the answers (requests then go to the next node, as a load balancer would). Every request answered 202
#      ends at least once (from the function's file); every worker node 2 ran is gone; its slots come back (5
#      concurrent sync invokes of `limited` on the survivors all answer 200 after the drain; peak still <= 5).
#   c  retries and maximum event age: failing Event invokes of `retry` (2 retries) and `aged` (2 retries, maximum
#      age 60 s; each attempt runs 30 s of async time, so a retry would be past the age) with --async-clock-rate 10
#      (AWS's 1 min / 2 min retry waits become 6 s / 12 s); once the first attempts ended, the node that ran most of
#      them (so scheduled their retries) is killed with SIGKILL. Every `retry` event still fails 3 times, no retry
#      comes sooner than 1 min (async) after the attempt before; no `aged` event starts past its maximum age.
#   e  Redis restart: Event invokes of `survivor` while Redis is killed (SIGKILL) and started again on the same
#      port and AOF folder. Every request answered 202 ends at least once; every node answers 202 again after the
#      restart; no node process died (the native binary survived a connection failure).
#
# Each killed node is started again (same data folder and node id) before the next scenario. Outputs (records,
# node logs, answers) go to --out (default artifacts/loadtests/cluster-proof-<UTC>). --keep leaves the processes
# running at the end for a look (Ctrl-C stops them). LT_NO_PUBLISH=1 uses artifacts/gateway as it is.
# CI runs `--smoke` (.ci/run), ~2-3 min.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

smoke=0
only="a,b,c,d,e"
out=""
keep=0
while (($#)); do
  case "$1" in
    --smoke) smoke=1; shift ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "cluster-proof.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir cluster-proof "$out")"
command -v redis-server >/dev/null || scripts/install-deps.sh

if [[ "${LT_NO_PUBLISH:-0}" == 1 && -x artifacts/gateway/Gateway ]]; then
  echo "cluster-proof: LT_NO_PUBLISH=1: using artifacts/gateway as it is" >&2
else
  scripts/publish.sh >&2
fi

if ((smoke)); then
  flood_seconds=10; event_count=400; redis_events=300; retry_count=6
else
  flood_seconds=30; event_count=5000; redis_events=3000; retry_count=20
fi
clock_rate=10      # the async clock: 1 min of retry wait = 6 s
nodes_n=3
proof=(python3 "$root/loadtests/cluster/proof.py")
log() { echo "cluster-proof: $*" >&2; }

lt_scratch cluster-proof
records="$tmp/records"
: >"$records"
chmod 777 "$tmp"; chmod 666 "$records"   # workers run as other uids (one per function when the gateway is root)
bootstrap_dir="$tmp/recorder"
mkdir -p "$bootstrap_dir"
cp loadtests/cluster/recorder/bootstrap "$bootstrap_dir/"
chmod -R a+rX "$bootstrap_dir"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- Redis ----------------------------------------------------------------------------------------------------
redis_port="$(free_port)"
redis_dir="$tmp/redis"
redis_url="redis://127.0.0.1:$redis_port"
redis_pid=""
start_redis() {
  scripts/redis.sh --port "$redis_port" --dir "$redis_dir" --foreground >>"$out/redis.log" 2>&1 &
  redis_pid=$!; lt_stop_on_exit "$redis_pid"
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "redis-server did not answer on $redis_port"; return 1
}
start_redis

# ---- the functions (the same file on every node) ------------------------------------------------------------
fn() { # NAME EXTRA-JSON
  printf '{ "FunctionName": "%s", "Runtime": "provided.al2023", "Code": "%s", "Handler": "proof", "Timeout": 60, "MemorySize": 128,
      "Environment": { "Variables": { "RECORD_FILE": "%s" } }%s }' "$1" "$bootstrap_dir" "$records" "$2"
}
cat >"$tmp/functions.json" <<EOF
{ "Functions": [
  $(fn limited ', "ReservedConcurrentExecutions": 5, "ProvisionedEnvironments": 2, "MaxEnvironments": 5'),
  $(fn open ', "ProvisionedEnvironments": 3, "MaxEnvironments": 15'),
  $(fn retry ', "ProvisionedEnvironments": 0, "MaxEnvironments": 8, "EventInvokeConfig": { "MaximumRetryAttempts": 2 }'),
  $(fn aged ', "ProvisionedEnvironments": 0, "MaxEnvironments": 8, "EventInvokeConfig": { "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60 }'),
  $(fn survivor ', "ProvisionedEnvironments": 1, "MaxEnvironments": 8')
] }
EOF

# ---- the nodes ------------------------------------------------------------------------------------------------
declare -a node_pid node_port node_url
for i in $(seq 1 "$nodes_n"); do node_port[$i]="$(free_port)"; node_url[$i]="http://127.0.0.1:${node_port[$i]}"; done
start_node() { # I
  local i="$1"
  artifacts/gateway/Gateway --urls "${node_url[$i]}" --data "$tmp/n$i" --functions "$tmp/functions.json" --quiet \
    --sandbox none --account-concurrency-limit 20 --minimum-unreserved-concurrency 0 --request-rate-multiplier 1000 \
    --async-clock-rate "$clock_rate" \
    --cluster "$redis_url" --node-id "n$i" --cluster-nodes "$nodes_n" >>"$out/node$i.log" 2>&1 &
  node_pid[$i]=$!; lt_stop_on_exit "${node_pid[$i]}"
  for _ in $(seq 300); do
    curl -sf -o /dev/null "${node_url[$i]}/_gateway/status" && { log "node n$i: pid ${node_pid[$i]}, ${node_url[$i]}"; return 0; }
    kill -0 "${node_pid[$i]}" 2>/dev/null || { log "node n$i exited:"; tail -n 20 "$out/node$i.log" >&2; return 1; }
    sleep 0.1
  done
  log "node n$i did not answer"; return 1
}
kill_node() { # I: SIGKILL, and the marker that closes its runs in the record file
  kill -9 "${node_pid[$1]}" 2>/dev/null || true
  echo "killed ${node_pid[$1]}" >>"$records"
  wait "${node_pid[$1]}" 2>/dev/null || true
  log "node n$1 (pid ${node_pid[$1]}) killed with SIGKILL"
}
for i in $(seq 1 "$nodes_n"); do start_node "$i"; done
nodes_csv="${node_url[1]},${node_url[2]},${node_url[3]}"
gateway_pids() { echo "${node_pid[1]},${node_pid[2]},${node_pid[3]}"; }
sleep 1   # pre-forked environments to /next

{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) redis=$(redis-server --version | grep -o 'v=[0-9.]*')"
  echo "LOADAVG start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "MODE $([[ $smoke == 1 ]] && echo smoke || echo full)"
} | tee "$out/results.txt" >&2

declare -A verdict
pass() { verdict[$1]=PASS; echo "PASS $1: $2" | tee -a "$out/results.txt"; }
fail() { verdict[$1]=FAIL; echo "FAIL $1: $2" | tee -a "$out/results.txt"; }
runs() { "${proof[@]}" "$@" 2>&1 | tee -a "$out/results.txt"; return "${PIPESTATUS[0]}"; }
peak_of() { "${proof[@]}" overlap "$records" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['peak'].get('$1',0), d['total_peak'])"; }
# wait_ran EVENTS TIMEOUT: until every tag answered 202 in EVENTS has an end line (or the timeout); the last check's output
wait_ran() {
  local deadline=$((SECONDS + $2))
  until "${proof[@]}" ran "$records" "$1" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || break
    sleep 1
  done
  runs ran "$records" "$1"
}
alive_all() { local i; for i in $(seq 1 "$nodes_n"); do kill -0 "${node_pid[$i]}" 2>/dev/null || return 1; done; }
scenario() { [[ ",$only," == *",$1,"* ]]; }

# ---- d: registry ----------------------------------------------------------------------------------------------
if scenario d; then
  echo "== d: a registry change on node 1, served by nodes 2 and 3" | tee -a "$out/results.txt"
  if runs registry --nodes "$nodes_csv" --bootstrap "$bootstrap_dir/bootstrap" --records "$records" --within 1.0; then
    pass d "every change served by nodes 2 and 3 within 1 s"
  else
    fail d "a change was not served by every node within 1 s (above)"
  fi
fi

# ---- a: limits ------------------------------------------------------------------------------------------------
if scenario a; then
  echo "== a: account 20, limited reserved 5, open unreserved 15; 3x capacity for ${flood_seconds} s, round-robin" | tee -a "$out/results.txt"
  runs flood --nodes "$nodes_csv" --target limited:15 --target open:45 --ms 1000 --duration "$flood_seconds" --out "$out/flood.json" || true
  sleep 2
  read -r peak_limited peak_total <<<"$(peak_of limited)"
  echo "  peak runs in progress (from the functions' own file): limited $peak_limited (limit 5), all functions $peak_total (account 20)" | tee -a "$out/results.txt"
  model_ok=1
  runs model "$out/flood.json" --target limited:5:ReservedFunctionConcurrentInvocationLimitExceeded \
    --target open:15:ConcurrentInvocationLimitExceeded --tolerance 10 --slack 3 || model_ok=0
  if ((peak_limited <= 5 && peak_total <= 20 && model_ok && peak_limited > 0)); then
    pass a "peak $peak_limited <= 5 and $peak_total <= 20; admitted and throttled within 10% of the model"
  else
    fail a "peak $peak_limited (<= 5?) / $peak_total (<= 20?); model within tolerance: $((model_ok)) "
  fi
fi

# ---- b: kill -9 one node during Event invokes -----------------------------------------------------------------
if scenario b; then
  echo "== b: $event_count Event invokes of limited, node 2 killed with SIGKILL after 40% of the answers" | tee -a "$out/results.txt"
  before_workers="$(curl -s "${node_url[2]}/_gateway/status" | python3 -c 'import json,sys; print(" ".join(str(p) for f in json.load(sys.stdin)["functions"] for p in f["workerPids"]))' || true)"
  n2="${node_pid[2]}"
  runs events --nodes "$nodes_csv" --function limited --count "$event_count" --concurrency 12 --prefix ev \
    --after $((event_count * 2 / 5)) --run "kill -9 $n2; echo killed $n2 >> $records" --out "$out/events-b.json" || true
  wait "$n2" 2>/dev/null || true
  log "node n2 (pid $n2) killed; waiting for the queue to drain on nodes 1 and 3"
  ran_ok=1; wait_ran "$out/events-b.json" $((smoke ? 120 : 300)) || ran_ok=0
  # Its workers: the ones its status listed before, and every worker the record file shows with it as parent.
  recorded_workers="$(awk -v p="$n2" '$1 == "start" && $7 == p { print $6 }' "$records" | sort -u | tr '\n' ' ')"
  survivors=""
  for _ in $(seq 100); do
    survivors=""
    for w in $before_workers $recorded_workers; do
      [[ -d /proc/$w ]] && ! grep -q '^State:.*Z' "/proc/$w/status" 2>/dev/null && survivors+=" $w"
    done
    [[ -z "$survivors" ]] && break
    sleep 0.1
  done
  workers_ok=1; [[ -z "$survivors" ]] || workers_ok=0
  echo "  node 2's workers ($(wc -w <<<"$before_workers $recorded_workers") pids): $([[ -z $survivors ]] && echo 'all gone' || echo "still alive:$survivors")" | tee -a "$out/results.txt"
  # Its slots: 5 concurrent sync invokes of the reserved-5 function on the survivors all get in.
  slots="$(for k in 1 2 3 4 5; do
      n=$((k % 2 == 0 ? 1 : 3))
      curl -s -o /dev/null -w '%{http_code}\n' --data "{\"id\":\"slots-$k\",\"ms\":2000}" "${node_url[$n]}/2015-03-31/functions/limited/invocations" &
    done; wait)"
  slots_ok=1; [[ "$(grep -c '^200$' <<<"$slots")" == 5 ]] || slots_ok=0
  echo "  5 concurrent sync invokes of limited on nodes 1 and 3 after the drain: $(sort <<<"$slots" | uniq -c | tr -s ' \n' ' ')" | tee -a "$out/results.txt"
  read -r peak_limited peak_total <<<"$(peak_of limited)"
  echo "  peak runs of limited in progress so far: $peak_limited (limit 5); all functions $peak_total (account 20)" | tee -a "$out/results.txt"
  if ((ran_ok && workers_ok && slots_ok && peak_limited <= 5 && peak_total <= 20)); then
    pass b "every 202 ran; node 2's workers died with it; its slots came back; peak $peak_limited <= 5"
  else
    fail b "ran every 202: $ran_ok, workers gone: $workers_ok, slots back: $slots_ok, peak $peak_limited / $peak_total"
  fi
  start_node 2
fi

# ---- c: retries and maximum event age when the node that scheduled a retry is killed --------------------------
if scenario c; then
  echo "== c: failing events (retry: 2 retries; aged: max age 60 s), async clock x$clock_rate; the node that ran most first attempts is killed" | tee -a "$out/results.txt"
  runs events --nodes "$nodes_csv" --function retry --count "$retry_count" --concurrency 4 --prefix rt --fail --out "$out/events-c-retry.json" || true
  runs events --nodes "$nodes_csv" --function aged --count "$retry_count" --concurrency 4 --prefix ag --fail --ms 3000 --out "$out/events-c-aged.json" || true
  # Wait for every first attempt to end (retries are then scheduled), then kill the node that ran most of them.
  for _ in $(seq 300); do
    firsts="$(awk '$1 == "end" && ($4 ~ /^rt-/ || $4 ~ /^ag-/) { print $4 }' "$records" | sort -u | wc -l)"
    ((firsts >= 2 * retry_count)) && break
    sleep 0.1
  done
  victim="$("${proof[@]}" node-of "$records" --prefix rt --gateway-pids "$(gateway_pids)")"
  echo "  $firsts first attempts ended; node $victim ran most of the retry function's, so scheduled their retries" | tee -a "$out/results.txt"
  kill_node "$victim"
  # 1 min + 2 min of async time plus the attempts themselves, the lease and some slack.
  deadline=$((SECONDS + 60))
  until runs retries "$records" "$out/events-c-retry.json" "$out/events-c-aged.json" --retry-prefix rt --aged-prefix ag \
      --min-gap "$(echo "55 / $clock_rate" | bc -l)" --max-age "$(echo "(60 + 15) / $clock_rate" | bc -l)" >/dev/null; do
    ((SECONDS < deadline)) || break
    sleep 1
  done
  sleep "$(echo "130 / $clock_rate" | bc)"   # time for an `aged` retry that should not happen to show up
  if runs retries "$records" "$out/events-c-retry.json" "$out/events-c-aged.json" --retry-prefix rt --aged-prefix ag \
      --min-gap "$(echo "55 / $clock_rate" | bc -l)" --max-age "$(echo "(60 + 15) / $clock_rate" | bc -l)"; then
    pass c "retries at 1 and 2 min (async) and the maximum event age held after the scheduling node died"
  else
    fail c "retries or the maximum event age did not hold (above)"
  fi
  start_node "$victim"
fi

# ---- e: Redis restarted mid-run -------------------------------------------------------------------------------
if scenario e; then
  echo "== e: $redis_events Event invokes of survivor while Redis is killed (SIGKILL) and started again" | tee -a "$out/results.txt"
  old_redis="$redis_pid"
  "${proof[@]}" events --nodes "$nodes_csv" --function survivor --count "$redis_events" --concurrency 4 --prefix rs \
    --pace 0.01 --after $((redis_events / 3)) --run "kill -9 $old_redis" --out "$out/events-e.json" >"$out/events-e.log" 2>&1 &
  driver=$!
  while kill -0 "$old_redis" 2>/dev/null && kill -0 "$driver" 2>/dev/null; do sleep 0.05; done
  wait "$old_redis" 2>/dev/null || true
  log "Redis killed; sync invokes on each node while it is down:"
  down_sync=""
  for i in $(seq 1 "$nodes_n"); do
    down_sync+=" n$i:$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --data '{"id":"down","ms":0}' "${node_url[$i]}/2015-03-31/functions/open/invocations")"
  done
  down_event="$(curl -s --max-time 20 -H 'X-Amz-Invocation-Type: Event' --data '{"id":"down-event","ms":0}' -w ' %{http_code}' "${node_url[1]}/2015-03-31/functions/survivor/invocations")"
  sleep 2
  start_redis
  log "Redis started again (pid $redis_pid)"
  wait "$driver" || true
  cat "$out/events-e.log" | tee -a "$out/results.txt"
  echo "  while Redis was down: sync invokes of open:$down_sync; an Event invoke: $down_event" | tee -a "$out/results.txt"
  # Every node accepts Events again.
  reconnected=""
  for i in $(seq 1 "$nodes_n"); do
    code=""
    for _ in $(seq 300); do
      code="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Amz-Invocation-Type: Event' --data "{\"id\":\"back-$i\",\"ms\":0}" "${node_url[$i]}/2015-03-31/functions/survivor/invocations")"
      [[ "$code" == 202 ]] && break
      sleep 0.1
    done
    reconnected+=" n$i:$code"
  done
  echo "  after the restart, an Event invoke on each node:$reconnected" | tee -a "$out/results.txt"
  ran_ok=1; wait_ran "$out/events-e.json" $((smoke ? 90 : 240)) || ran_ok=0
  alive=1; alive_all || alive=0
  crashed="$(grep -l -E 'Unhandled exception|Segmentation fault|core dumped|FailFast' "$out"/node*.log 2>/dev/null | tr '\n' ' ' || true)"
  if ((ran_ok && alive)) && [[ "$(grep -o ':202' <<<"$reconnected" | wc -l)" == "$nodes_n" && -z "$crashed" ]]; then
    pass e "every 202 ran; every node reconnected and accepts Events; no node crashed"
  else
    fail e "ran every 202: $ran_ok, all nodes alive: $alive, reconnected:$reconnected, crash output in: ${crashed:-none}"
  fi
fi

echo "LOADAVG end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt" >&2
cp "$records" "$out/records"
echo "Outputs: $out" >&2
if ((keep)); then
  log "--keep: nodes ${nodes_csv}, Redis $redis_url; Ctrl-C stops them"
  sleep infinity
fi
failed=0
for s in "${!verdict[@]}"; do [[ "${verdict[$s]}" == PASS ]] || failed=1; done
echo "cluster-proof: $(for s in a b c d e; do [[ -n "${verdict[$s]:-}" ]] && printf '%s=%s ' "$s" "${verdict[$s]}"; done)"
exit "$failed"
