#!/usr/bin/env bash
# Start-up with and without HTTPS (issue 12): exec of the gateway -> first 200 from a sync echo invoke, polled with
# curl over plain HTTP every ~2 ms; for the "https" rows then over TLS until it answers too (the first handshake).
# Three kinds of start, interleaved, --runs each:
#   before        --before BINARY (an older build), plain HTTP only
#   after         artifacts/gateway/Gateway, plain HTTP only
#   after-https   the same with --https and the development certificate (scripts/make-dev-cert.sh)
#
#   loadtests/https-startup.sh --before PATH [--runs N (7)] [--port P (19801)]
#
# Prints one line per start and the medians.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"
runs=7
port=19801
before=""
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --before) before="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "https-startup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$before" ]] || { echo "https-startup.sh: --before BINARY is required (an older build of the gateway)" >&2; exit 2; }
scripts/publish.sh >&2
lt_scratch https-startup
scripts/make-dev-cert.sh --out "$tmp/cert" >/dev/null
cat >"$tmp/functions.json" <<JSON
{ "Functions": [ { "FunctionName": "echo", "Code": "$root/artifacts/samples", "Handler": "echo", "ProvisionedEnvironments": 1 } ] }
JSON
plain="http://127.0.0.1:$port"
tls="https://127.0.0.1:$((port + 1))"
invoke="/2015-03-31/functions/echo/invocations"

one() { # label binary [https]
  local label="$1" binary="$2" https="${3:-}" extra=() t0 t1 pid
  rm -rf "$tmp/data"
  if [[ -n "$https" ]]; then extra=(--https "127.0.0.1:$((port + 1))" --https-certificate "$tmp/cert/cert.pem" --https-certificate-key "$tmp/cert/key.pem"); fi
  t0="$(date +%s%N)"
  "$binary" --urls "$plain" "${extra[@]}" --data "$tmp/data" --functions "$tmp/functions.json" --quiet >/dev/null 2>&1 &
  pid=$!; lt_stop_on_exit "$pid"
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$plain$invoke")" == 200 ]]; do sleep 0.002; done
  # Kestrel binds the addresses one after the other and serves the first before it binds the next.
  if [[ -n "$https" ]]; then
    until [[ "$(curl -s --cacert "$tmp/cert/cert.pem" -o /dev/null -w '%{http_code}' --data '{}' "$tls$invoke")" == 200 ]]; do sleep 0.002; done
  fi
  t1="$(date +%s%N)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$label $(((t1 - t0) / 1000000))"
}
for _ in $(seq "$runs"); do
  one before "$before"
  one after artifacts/gateway/Gateway
  one after-https artifacts/gateway/Gateway https
done | tee "$tmp/raw"
for label in before after after-https; do
  awk -v l="$label" '$1 == l { print $2 }' "$tmp/raw" | sort -n |
    awk -v l="$label" '{ v[NR] = $1 } END { printf "RESULT start=%s median_ms=%s min_ms=%s max_ms=%s runs=%d\n", l, v[int((NR + 1) / 2)], v[1], v[NR], NR }'
done
