#!/usr/bin/env bash
# Issue 12's costs at the edge, one gateway, one run, all with the C# echo function and a 64 B JSON body:
#
#   transport   the same invoke over plain HTTP/1.1, HTTPS HTTP/1.1 and HTTPS HTTP/2 (hey, --rate req/s in total,
#               paced per connection), each: p50/p99, req/s and gateway CPU per request (utime+stime from
#               /proc/<pid>/stat over the run / requests); h2load's closed-loop req/s for the three, as a ceiling
#   url         a function URL (path form /_url/<id>/, AuthType NONE) vs a direct Invoke of the same function, plain
#               HTTP/1.1, the open-loop harness at --rate: p50/p99, gateway CPU and managed bytes allocated per
#               request (/metrics gateway_gc_allocated_bytes_total); skipped when the gateway has no function URLs.
#               The two are interleaved --rounds times, so drift on a shared machine hits both alike; then the same
#               pair over TLS + HTTP/2 with hey (paced), p50/p99 and gateway CPU per request.
#
#   loadtests/edge.sh [--rate R (1000)] [--duration S (10)] [--connections N (8)] [--rounds N (2)]
#                     [--only transport|url] [--port P (19481)] [--binary PATH (artifacts/gateway/Gateway)]
#
# Prints RESULT lines. Needs curl, jq, hey, h2load (Debian: nghttp2-client), openssl.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

rate=1000
duration=10
connections=8
rounds=2
only=""
port=19481
binary="artifacts/gateway/Gateway"
while (($#)); do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "edge.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in curl jq hey h2load openssl; do
  command -v "$tool" >/dev/null || { echo "edge.sh: '$tool' is not installed" >&2; exit 2; }
done

lt_build_harness
lt_scratch edge

tls_port=$((port + 1))
plain="http://127.0.0.1:$port"
tls="https://127.0.0.1:$tls_port"
scripts/make-dev-cert.sh --out "$tmp/cert" >/dev/null
cat >"$tmp/functions.json" <<JSON
{ "Functions": [ { "FunctionName": "echo", "Code": "$root/artifacts/samples", "Handler": "echo", "MemorySize": 128,
  "Timeout": 3, "ProvisionedEnvironments": $connections, "MaxEnvironments": $((connections * 2)) } ] }
JSON
"$binary" --urls "$plain" --https "127.0.0.1:$tls_port" --https-certificate "$tmp/cert/cert.pem" \
  --https-certificate-key "$tmp/cert/key.pem" --data "$tmp/data" --functions "$tmp/functions.json" --quiet \
  --Gateway:RequestRateMultiplier=1000 >"$tmp/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
for _ in $(seq 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --data '{}' "$plain/2015-03-31/functions/echo/invocations" 2>/dev/null)" == 200 ]] && break
  sleep 0.1
done
sleep 2

payload="$(printf '{"p":"%s"}' "$(head -c 56 /dev/zero | tr '\0' 'x')")" # 64 bytes
printf '%s' "$payload" >"$tmp/payload.json"
invoke_path="/2015-03-31/functions/echo/invocations"
hz="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gw_pid/stat"; }
allocated() { curl -s "$plain/metrics" | awk '$1 == "gateway_gc_allocated_bytes_total" && !found { print $2; found = 1 }'; }
echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) date=$(date -u +%FT%TZ)"

# hey: -c connections, each paced at rate/c req/s; -h2 for HTTP/2 (it does not verify the certificate).
hey_run() { # label url [hey flags]; $hey_path (default the invoke path) is POSTed to
  local label="$1" url="$2"; shift 2
  local c0 c1 out n
  c0="$(cpu_ticks)"
  out="$(hey -z "${duration}s" -c "$connections" -q "$((rate / connections))" -m POST -T application/json \
    -D "$tmp/payload.json" "$@" "$url${hey_path:-$invoke_path}")"
  c1="$(cpu_ticks)"
  n="$(echo "$out" | awk '/\[200\]/ { print $2 }')"
  echo "RESULT transport=$label requests=${n:-0} other=$(echo "$out" | awk '/\[[0-9]+\]/ && !/\[200\]/ { s += $2 } END { print s + 0 }')" \
    "rps=$(echo "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')" \
    "p50_ms=$(echo "$out" | awk '/ 50% in/ { printf "%.2f", $3 * 1000 }') p99_ms=$(echo "$out" | awk '/ 99% in/ { printf "%.2f", $3 * 1000 }')" \
    "gateway_cpu_us_per_request=$(((c1 - c0) * 1000000 / hz / ${n:-1})) loadavg=$(cut -d' ' -f1 /proc/loadavg)"
}
h2load_run() { # label url [h2load flags]: closed loop, the ceiling on this machine
  local label="$1" url="$2"; shift 2
  local out
  out="$(h2load -D "$duration" -c "$connections" -m 1 -d "$tmp/payload.json" -H 'content-type: application/json' "$@" "$url$invoke_path" 2>&1)"
  echo "RESULT ceiling=$label $(echo "$out" | awk '/^finished in/ { print "rps=" $4 } /^requests:/ { print "succeeded=" $8 }' | tr -d ',' | tr '\n' ' ')" \
    "protocol=$(echo "$out" | awk '/Application protocol:/ { print $3 }')"
}

if [[ -z "$only" || "$only" == transport ]]; then
  for round in $(seq "$rounds"); do
    hey_run plain-http1.1 "$plain"
    hey_run tls-http1.1 "$tls"
    hey_run tls-h2 "$tls" -h2
  done
  h2load_run plain-http1.1 "$plain" --h1
  h2load_run tls-http1.1 "$tls" --h1
  h2load_run tls-h2 "$tls"
fi

if [[ -z "$only" || "$only" == url ]]; then
  url_json="$(curl -s -X POST -H 'content-type: application/json' -d '{"AuthType":"NONE"}' "$plain/2021-10-31/functions/echo/url")"
  url_id="$(echo "$url_json" | jq -r '.FunctionUrl // empty' | sed -n 's|^https\?://\([a-z0-9]*\)\.lambda-url\..*|\1|p')"
  # A NONE URL answers once the function's policy lets the public in (both grants, as on AWS since 2025-10).
  for grant in '{"StatementId":"FunctionURLAllowPublicAccess","Action":"lambda:InvokeFunctionUrl","Principal":"*","FunctionUrlAuthType":"NONE"}' \
               '{"StatementId":"FunctionURLInvokeAllowPublicAccess","Action":"lambda:InvokeFunction","Principal":"*","InvokedViaFunctionUrl":true}'; do
    curl -s -o /dev/null -X POST -H 'content-type: application/json' -d "$grant" "$plain/2015-03-31/functions/echo/policy"
  done
  if [[ -z "$url_id" ]]; then
    echo "RESULT url=skipped reason=\"no function URLs in this gateway: $url_json\""
  else
    harness_run() { # label path
      local a0 a1 c0 c1 out n
      a0="$(allocated)"; c0="$(cpu_ticks)"
      out="$(dotnet artifacts/loadtests/harness/Gateway.LoadTests.dll --url "$plain" --path "$2" --payload-bytes 64 \
        --connections "$connections" --rate "$rate" --duration "$duration" --warmup 0 --quiet 2>/dev/null)"
      c1="$(cpu_ticks)"; a1="$(allocated)"
      n="$(echo "$out" | grep -oE 'ok=[0-9]+|requests=[0-9]+' | sed -n 1p | cut -d= -f2)"
      echo "RESULT path=$1 $(echo "$out" | grep -oE ' (rps|p50_ms|p99_ms|errors|send_lag_p99_ms)=[0-9.]+' | tr -d '\n')" \
        "requests=${n:-?} gateway_cpu_us_per_request=$(((c1 - c0) * 1000000 / hz / ${n:-1})) allocated_bytes_per_request=$(((a1 - a0) / ${n:-1}))" \
        "loadavg=$(cut -d' ' -f1 /proc/loadavg)"
    }
    curl -s -o /dev/null -w 'url check: %{http_code}\n' --data "$payload" "$plain/_url/$url_id/" >&2
    harness_run warmup "/_url/$url_id/" >/dev/null
    for round in $(seq "$rounds"); do
      harness_run direct-invoke "$invoke_path"
      harness_run function-url "/_url/$url_id/"
    done
    # The same pair over TLS + HTTP/2 (hey, paced, as in the transport part).
    for round in $(seq "$rounds"); do
      hey_path="$invoke_path" hey_run tls-h2-direct-invoke "$tls" -h2
      hey_path="/_url/$url_id/" hey_run tls-h2-function-url "$tls" -h2
    done
  fi
fi
