#!/usr/bin/env bash
# Event acceptance (issue 14): 202s per second of the durable Event queue, one node on SQLite vs a cluster node
# on Redis Streams (AOF appendfsync always), interleaved so a busy box hurts both alike.
#
#   loadtests/event-queue-ab.sh [--rounds N (2)] [--duration S (10)] [--connections N (32)] [--port P (6399)]
#
# Each round runs loadtests/event-flood.sh (a closed loop of Event invokes against the echo function, see there)
# first on a single node (SQLite, events.db: WAL, synchronous=FULL, group commit), then with
# --cluster redis://127.0.0.1:P --node-id ab (Redis started here by scripts/redis.sh in a scratch folder, flushed
# before each cluster run). Prints one line per run and the median per mode; the load average is in each line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=2
duration=10
connections=32
port=6399
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "event-queue-ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

dir="$(mktemp -d /tmp/event-queue-ab-XXXXXX)"
# Publish once (unless LT_NO_PUBLISH=1 says artifacts/gateway is current); every run below measures that binary.
[[ "${LT_NO_PUBLISH:-0}" == 1 ]] || scripts/publish.sh >&2
url="$(scripts/redis.sh --port "$port" --dir "$dir/redis")"
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

declare -A rates
run() { # mode, round
  local mode="$1" extra=()
  if [[ $mode == cluster ]]; then
    redis-cli -p "$port" flushall >/dev/null
    extra=(--cluster "$url" --node-id ab)
  fi
  local line
  line="$(LT_NO_PUBLISH=1 loadtests/event-flood.sh --duration "$duration" --connections "$connections" --out "$dir/$mode-$2" -- "${extra[@]}" 2>/dev/null | grep '^SUMMARY')"
  local rps load
  rps="$(tr ' ' '\n' <<<"$line" | sed -n 's/^accept_rps=//p')"
  load="$(grep '^LOADAVG label=flood' "$dir/$mode-$2/results.txt" | cut -d' ' -f3-)"
  echo "RUN mode=$mode round=$2 accept_rps=$rps loadavg_during=\"$load\" ($line)"
  rates[$mode]+="$rps "
}
echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" redis=$(redis-server --version | cut -d' ' -f3)"
for round in $(seq "$rounds"); do
  run sqlite "$round"
  run cluster "$round"
done
for mode in sqlite cluster; do
  median="$(tr ' ' '\n' <<<"${rates[$mode]}" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
  echo "MEDIAN mode=$mode accept_rps=$median (runs: ${rates[$mode]})"
done
