#!/usr/bin/env bash
# Starts a local Redis for a Gateway cluster (README, "Several nodes on Redis"; the cluster tests and
# loadtests/cluster-proof.sh use it too). Durable as the shared Event queue needs: AOF with appendfsync always,
# so an event answered 202 survives Redis itself being killed.
#   scripts/redis.sh [--port 6379] [--dir DIR] [--foreground]
# Prints the redis:// URL to pass to ./run.sh --cluster. Stop it with: redis-cli -p PORT shutdown
set -euo pipefail
port=6379
dir="${TMPDIR:-/tmp}/gateway-redis"
foreground=no
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --foreground) foreground=yes; shift ;;
    *) echo "redis.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || "$(dirname "$0")/install-deps.sh"
mkdir -p "$dir"
args=(--port "$port" --bind 127.0.0.1 --dir "$dir"
      --appendonly yes --appendfsync always
      --save ''                       # AOF is the durability; no RDB snapshots forking on a 2-core box
      --protected-mode yes)
if [[ $foreground == yes ]]; then
  exec redis-server "${args[@]}"
fi
redis-server "${args[@]}" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for _ in $(seq 1 50); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis://127.0.0.1:$port"; exit 0; }
  sleep 0.1
done
echo "redis.sh: redis-server did not answer on port $port (log: $dir/redis.log)" >&2
exit 1
