#!/usr/bin/env bash
# Time to first byte, streamed vs buffered (issue 12): one Node function (awslambda.streamifyResponse) that writes
# 1 KB, waits 500 ms and writes 1 KB more, called warm
#   streamed   POST /2021-11-15/.../response-streaming-invocations (InvokeWithResponseStream): the first PayloadChunk
#   buffered   POST /2015-03-31/.../invocations (Invoke): the gateway answers once the runtime's stream has ended
# with curl's time_starttransfer (first response byte) and time_total, each a new curl process.
#
#   loadtests/stream-ttfb.sh [--runs N (20)] [--port P (19441)] [--out DIR]
#
# Needs the published gateway (scripts/publish.sh) and the Node.js runtime beside it (scripts/build-node-runtime.sh).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"
runs=20
port=19441
out=""
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "stream-ttfb.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir stream-ttfb "$out")"
[[ -x artifacts/gateway/Gateway ]] || { echo "stream-ttfb.sh: run scripts/publish.sh first" >&2; exit 2; }
lt_scratch stream-ttfb
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'; }

mkdir -p "$tmp/fn"
cat >"$tmp/fn/index.js" <<'JS'
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('A'.repeat(1024));
  await new Promise(r => setTimeout(r, 500));
  responseStream.write('B'.repeat(1024));
  responseStream.end();
});
JS
echo "{\"Functions\":[{\"FunctionName\":\"ttfb\",\"Runtime\":\"nodejs20.x\",\"Code\":\"$tmp/fn\",\"Handler\":\"index.handler\",\"MemorySize\":128,\"Timeout\":10}]}" >"$tmp/functions.json"
artifacts/gateway/Gateway --urls "http://127.0.0.1:$port" --data "$tmp/data" --functions "$tmp/functions.json" --quiet >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 500); do curl -sf -o /dev/null "http://127.0.0.1:$port/_gateway/status" && break; sleep 0.01; done

base="http://127.0.0.1:$port"
streamed() { curl -s -o /dev/null -w '%{http_code} %{time_starttransfer} %{time_total}\n' --data '{}' "$base/2021-11-15/functions/ttfb/response-streaming-invocations"; }
buffered() { curl -s -o /dev/null -w '%{http_code} %{time_starttransfer} %{time_total}\n' --data '{}' "$base/2015-03-31/functions/ttfb/invocations"; }
streamed >/dev/null; buffered >/dev/null # warm the environment
{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) node=$(node --version)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"
for run in $(seq "$runs"); do
  for mode in streamed buffered; do
    read -r code first total < <($mode)
    printf 'RUN %d mode=%s status=%s ttfb_ms=%.1f total_ms=%.1f\n' "$run" "$mode" "$code" "$(echo "$first * 1000" | bc)" "$(echo "$total * 1000" | bc)" | tee -a "$out/results.txt" >&2
  done
done
kill -TERM "$gw_pid" 2>/dev/null || true
wait "$gw_pid" 2>/dev/null || true
echo "LOADAVG label=end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
for mode in streamed buffered; do
  pick() { sed -n "s/^RUN .*mode=$mode .*$1=\([0-9.]*\).*/\1/p" "$out/results.txt" | median; }
  echo "SUMMARY mode=$mode runs=$runs ttfb_median_ms=$(pick ttfb_ms) total_median_ms=$(pick total_ms)"
done | tee -a "$out/results.txt"
