#!/usr/bin/env bash
# What tracing costs per invocation, measured on the whole gateway: loadtests/alloc.sh (64 B sync echo, closed loop;
# gateway CPU µs and allocated B per invocation from the gateway itself) with tracing off, then on — every span
# exported over OTLP http/protobuf to loadtests/otlp-sink.py on 127.0.0.1, which counts and drops them — interleaved
# for --rounds rounds so that this shared box's drift hits both alike.
#
#   loadtests/traces.sh [--rounds N (2)] [-- ALLOC.SH OPTIONS, e.g. --connections 32 --duration 6]
#
# Prints alloc.sh's RESULT line per run, tagged tracing=off|on, and the sink's totals.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"
cd "$root"

rounds=2
alloc_args=()
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --) shift; alloc_args=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "traces.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

sink_port=19461
lt_scratch traces
python3 loadtests/otlp-sink.py "$sink_port" >"$tmp/sink.log" 2>&1 &
sink_pid=$!; lt_stop_on_exit "$sink_pid"

for round in $(seq "$rounds"); do
  echo "tracing=off round=$round $(env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT loadtests/alloc.sh "${alloc_args[@]}" | grep '^RESULT')"
  echo "tracing=on  round=$round $(loadtests/alloc.sh "${alloc_args[@]}" -- --otlp-endpoint "http://127.0.0.1:$sink_port" | grep '^RESULT')"
done
kill -TERM "$sink_pid"; wait "$sink_pid" 2>/dev/null || true
cat "$tmp/sink.log"
