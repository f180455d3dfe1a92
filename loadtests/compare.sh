#!/usr/bin/env bash
# One comparison run, same harness settings for every server (64 B sync echo, closed loop, 32 connections,
# after a warmup), all on 127.0.0.1:
#
#   bare-kestrel   loadtests/BareKestrel, native AOT minimal API echo (the HTTP floor)
#   bare-kestrel-wrk  the same, measured by wrk (shows how far the harness itself is from the ceiling)
#   gateway        the gateway, echo function (C# sample runtime over Unix sockets, 32 pre-forked)
#   gateway-wrk    the same gateway echo measured by wrk (cross-check of the harness)
#   gateway-open   open loop at half the gateway's closed-loop peak (latency from intended send time)
#   bare-open      bare Kestrel at that same rate
#   gateway-bash   the gateway, bash-echo (stock bash + curl runtime), at 4 connections
#   nginx-php      nginx + php-fpm (8 static workers over a Unix socket) echoing in PHP
#   bare-kestrel-6mb, gateway-6mb   6,000,000 B echo (just under the 6 MB sync limit), closed loop, 4 connections
#
# It also reads the gateway's managed allocations per invocation from /metrics around the echo closed loop
# (gateway_gc_allocated_bytes_total / lambda_invocations_total), and, for every harness run, the CPU time per
# request of the server (with its child processes: the gateway's workers, nginx's and php-fpm's) and of the load
# generator over the measured seconds: on a box where all of them share the cores, that is what bounds req/s.
#
#   loadtests/compare.sh [--duration S] [--warmup S] [--connections N] [--out DIR]
#
# Prints a table and the ratios Gateway/Kestrel and Gateway/nginx+php-fpm; everything (per-run summary.json,
# timeseries.json/.csv, chart.html, progress logs, server logs, results.txt, table.md) goes to --out
# (default artifacts/loadtests/compare-<UTC time>). Only one server runs at a time; every process the script
# starts is stopped on exit (trap). Installs nginx and php-fpm with apt-get when they are missing.
#
# The gateway runs with --Gateway:RequestRateMultiplier=1000: Lambda's request-rate limit (10 x the account's
# 1,000 concurrency = 10,000 invokes/s by default) would otherwise cap the measurement with 429s; throttle.sh
# checks the limits themselves.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$lt_root"

duration=10
warmup=3
connections=32
bash_connections=4
big_connections=4
big_bytes=6000000
out=""
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out="$(lt_output_dir compare "$out")"
cpu_window_wrk=$((duration > 3 ? duration - 2 : 1)) # seconds of a wrk run whose CPU time is counted (see run_wrk)

kestrel_port=19401
gateway_port=19402
nginx_port=19403
path="/2015-03-31/functions/echo/invocations"
payload='{"p":"'"$(printf 'x%.0s' $(seq 56))"'"}'          # exactly 64 bytes, as the harness sends
[[ ${#payload} -eq 64 ]] || { echo "compare.sh: payload is ${#payload} bytes, not 64" >&2; exit 1; }

lt_scratch compare

log() { echo "compare: $*" >&2; }

# ---- build ----
bk_stamp="artifacts/bare-kestrel/.inputs.sha256"
bk_hash="$( (dotnet --version; find loadtests/BareKestrel -type d \( -name bin -o -name obj \) -prune -o -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum; sha256sum Directory.Build.props Directory.Packages.props global.json) | sha256sum | cut -d' ' -f1)"
if [[ ! -x artifacts/bare-kestrel/BareKestrel || "$(cat "$bk_stamp" 2>/dev/null)" != "$bk_hash" ]]; then
  log "publishing loadtests/BareKestrel (native AOT) -> artifacts/bare-kestrel"
  dotnet publish loadtests/BareKestrel/BareKestrel.csproj -c Release -o artifacts/bare-kestrel -nologo -tl:off \
    >artifacts/logs/publish-bare-kestrel.log 2>&1 || { tail -n 30 artifacts/logs/publish-bare-kestrel.log >&2; exit 1; }
  echo "$bk_hash" >"$bk_stamp"
fi
log "publishing the gateway, building loadtests/Gateway.LoadTests"
lt_build_harness

php_fpm="$(compgen -c php-fpm | grep -E '^php-fpm[0-9.]*$' | sort -V | tail -n 1 || true)"
if ! command -v nginx >/dev/null || [[ -z "$php_fpm" ]]; then
  log "installing nginx and php-fpm (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx php-fpm >"$out/apt.log" 2>&1
  php_fpm="$(compgen -c php-fpm | grep -E '^php-fpm[0-9.]*$' | sort -V | tail -n 1)"
fi
command -v wrk >/dev/null || { log "installing wrk (apt-get)"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >>"$out/apt.log" 2>&1; }

# ---- helpers ----
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ready URL_PATH PORT: until a 64 B POST answers 200 (30 s).
wait_ready() {
  local i
  for i in $(seq 300); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data "$payload" "http://127.0.0.1:$2$1" 2>/dev/null)" == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  log "server on port $2 did not answer 200 on $1 within 30 s"
  return 1
}

# stop PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# server_pids: the processes whose CPU counts as "the server" in the next run (set before each server's runs:
# the gateway, Kestrel, nginx's and php-fpm's masters); their descendants (the gateway's bwrap + bootstrap workers,
# nginx's and php-fpm's workers) are counted with them, live or reaped.
server_pids=()

# run LABEL PORT [harness options…]: one harness run; appends its RESULT line to results.txt, and a CPU line: the
# server's (its root process alone, and its whole process tree) and the load generator's CPU time per request over
# the measured seconds, which is what bounds throughput when everything shares the box's cores. The harness reads
# /proc itself at the measured window's edges (--cpu-pids, see ProcessCpu.cs): a shell sampler beside it was late
# by seconds on a loaded box (one awk and pgrep per process), read the load generator after it had exited (negative
# µs/request) and missed the gateway's workers, which are grandchildren (gateway → bwrap → bootstrap).
run() {
  local label="$1" port="$2"
  shift 2
  log "run $label ($*)"
  dotnet "$harness_dll" --url "http://127.0.0.1:$port" --label "$label" --out "$out/$label" \
    --duration "$duration" --warmup "$warmup" --payload-bytes 64 --cpu-pids "$(IFS=,; echo "${server_pids[*]}")" "$@" \
    2>"$out/$label.progress.log" >"$tmp/$label.result" || true
  tee -a "$out/results.txt" <"$tmp/$label.result" >&2
  # The box may be shared: record how busy it was, so a noisy run can be recognised.
  echo "LOADAVG label=$label $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
  echo "CPU label=$label server_self_us_per_request=$(field "$label" server_self_us) server_us_per_request=$(field "$label" server_tree_us) harness_us_per_request=$(field "$label" harness_us)" \
    | tee -a "$out/results.txt" >&2
}

# run_wrk LABEL PORT: wrk with the same 64 B POST and connection count; a RESULT line like the harness's.
run_wrk() {
  local label="$1" port="$2" rps errors
  log "run $label (wrk -t2 -c$connections -d${duration}s)"
  wrk -t2 -c"$connections" -d"${duration}s" -s "$tmp/post.lua" --latency "http://127.0.0.1:$port$path" >"$out/$label.txt" 2>&1 &
  local wrk_pid=$! roots=() p
  for p in "${server_pids[@]}"; do roots+=(--root "server=$p"); done
  # wrk has no warmup and no sampler of its own: /proc is read 1 s after its start and 1 s before its end.
  loadtests/proc-cpu.py --summary --delay 1 --window "$cpu_window_wrk" "${roots[@]}" --root "wrk=$wrk_pid" >"$tmp/$label.proccpu" 2>&1 || true
  wait "$wrk_pid" || true
  rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out/$label.txt")"
  errors="$(grep -E 'Non-2xx|Socket errors' "$out/$label.txt" | tr '\n' ' ' || true)"
  echo "RESULT label=$label rps=$rps p50_ms=$(wrk_ms "$label" 50) p99_ms=$(wrk_ms "$label" 99) wrk_errors=\"${errors:-none}\"" | tee -a "$out/results.txt" >&2
  cat "$tmp/$label.proccpu" >>"$out/$label.txt"
  # proc-cpu.py prints CPU seconds per root over its window; per request = seconds ÷ window ÷ wrk's req/s.
  per_req() { awk -v r="$1" -v rps="$rps" '$2 == "root=" r { for (i = 1; i <= NF; i++) if ($i ~ /^cpu_s=/ || $i ~ /^self_s=/) { split($i, kv, "="); v[kv[1]] += kv[2] } }
    /^PROCCPU window_s=/ { split($2, w, "="); win = w[2] }
    END { if (win > 0 && rps > 0) printf "%.1f %.1f", v["self_s"] * 1e6 / win / rps, v["cpu_s"] * 1e6 / win / rps }' "$tmp/$label.proccpu"; }
  read -r self tree <<<"$(per_req server)"
  read -r _ wrk_us <<<"$(per_req wrk)"
  echo "CPU label=$label server_self_us_per_request=$self server_us_per_request=$tree harness_us_per_request=$wrk_us" | tee -a "$out/results.txt" >&2
}
# wrk prints 50%/99% as e.g. 412.00us, 1.23ms or 1.01s; normalise to ms.
wrk_ms() { awk -v q="$2%" '$1 == q { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.3f", v }' "$out/$1.txt"; }
printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' "'$payload'" >"$tmp/post.lua"

field() { grep "^RESULT label=$1 " "$out/results.txt" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# gateway_memory PID PORT: "gateway=… MB workers=N×… MB total" from /proc and /_gateway/status.
gateway_memory() {
  local pid="$1" port="$2" sum=0 n=0 w
  for w in $(curl -s "http://127.0.0.1:$port/_gateway/status" | jq -r '.functions[].workerPids[]'); do
    sum=$((sum + $(rss_kb "$w"))); n=$((n + 1))
  done
  printf 'gateway RSS %.1f MB; %d workers, %.1f MB RSS together' "$(echo "$(rss_kb "$pid") / 1024" | bc -l)" "$n" "$(echo "$sum / 1024" | bc -l)"
}

for p in $kestrel_port $gateway_port $nginx_port; do
  port_free "$p" || { log "port $p is in use; stop whatever listens there first"; exit 1; }
done
{
  echo "MACHINE nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)\" kernel=$(uname -r) dotnet=$(dotnet --version)"
  echo "LOADAVG label=start $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/results.txt"

# ---- 1. bare Kestrel, closed loop ----
artifacts/bare-kestrel/BareKestrel --urls "http://127.0.0.1:$kestrel_port" >"$out/bare-kestrel.log" 2>&1 &
bk_pid=$!; lt_stop_on_exit "$bk_pid"
server_pids=("$bk_pid")
wait_ready "$path" "$kestrel_port"
run bare-kestrel "$kestrel_port" --connections "$connections"
run_wrk bare-kestrel-wrk "$kestrel_port"        # the harness's own ceiling: wrk against the same floor
run bare-kestrel-6mb "$kestrel_port" --connections "$big_connections" --payload-bytes "$big_bytes"
stop "$bk_pid"

# ---- 2. gateway: echo closed loop, wrk, open loop at half the peak, bash-echo ----
artifacts/gateway/Gateway --urls "http://127.0.0.1:$gateway_port" --data "$tmp/gateway-data" \
  --functions loadtests/functions.json --quiet --Gateway:RequestRateMultiplier=1000 >"$out/gateway.log" 2>&1 &
gw_pid=$!; lt_stop_on_exit "$gw_pid"
server_pids=("$gw_pid")
wait_ready "$path" "$gateway_port"
sleep 2                                                   # let the 32 + 4 pre-forks finish
idle_memory="$(gateway_memory "$gw_pid" "$gateway_port")"
log "idle: $idle_memory"

# metric NAME: the value of an unlabelled sample, or the echo function's, from /metrics.
metric() { curl -s "http://127.0.0.1:$gateway_port/metrics" | awk -v n="$1" '$1 == n || $1 == n "{function=\"echo\"}" { if (!found) { print $2; found = 1 } }'; }
alloc_before="$(metric gateway_gc_allocated_bytes_total)"; inv_before="$(metric lambda_invocations_total)"
run gateway "$gateway_port" --connections "$connections"
alloc_after="$(metric gateway_gc_allocated_bytes_total)"; inv_after="$(metric lambda_invocations_total)"
alloc_per_invocation="$(echo "($alloc_after - $alloc_before) / ($inv_after - $inv_before)" | bc)"
log "allocated per invocation: $alloc_per_invocation B ($((inv_after - inv_before)) invocations, warmup included)"

run_wrk gateway-wrk "$gateway_port"

peak="$(field gateway rps)"
[[ "$peak" =~ ^[0-9]+$ && "$peak" -ge 2 ]] || { log "no gateway peak measured (rps='$peak')"; exit 1; }
half=$((peak / 2))
run gateway-open "$gateway_port" --connections "$connections" --rate "$half"
after_memory="$(gateway_memory "$gw_pid" "$gateway_port")"
log "after: $after_memory"

run gateway-bash "$gateway_port" --connections "$bash_connections" --function bash-echo
run gateway-6mb "$gateway_port" --connections "$big_connections" --payload-bytes "$big_bytes"
stop "$gw_pid"

# ---- 3. bare Kestrel at the same open-loop rate ----
artifacts/bare-kestrel/BareKestrel --urls "http://127.0.0.1:$kestrel_port" >>"$out/bare-kestrel.log" 2>&1 &
bk_pid=$!; lt_stop_on_exit "$bk_pid"
server_pids=("$bk_pid")
wait_ready "$path" "$kestrel_port"
run bare-open "$kestrel_port" --connections "$connections" --rate "$half"
stop "$bk_pid"

# ---- 4. nginx + php-fpm (8 static workers, Unix socket) ----
cat >"$tmp/echo.php" <<'PHP'
<?php
$body = file_get_contents('php://input');
header('Content-Type: application/json');
header('Content-Length: ' . strlen($body));
echo $body;
PHP
fpm_user=""; fpm_flags=()
if [[ "$(id -u)" == 0 ]]; then fpm_user=$'user = root\ngroup = root'; fpm_flags=(-R); fi
cat >"$tmp/php-fpm.conf" <<EOF
[global]
pid = $tmp/php-fpm.pid
error_log = $tmp/php-fpm.log
daemonize = no
[echo]
$fpm_user
listen = $tmp/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 8
pm.max_requests = 0
EOF
nginx_user=""; [[ "$(id -u)" == 0 ]] && nginx_user="user root;"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<EOF
$nginx_user
worker_processes auto;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $tmp/nginx/body;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  proxy_temp_path $tmp/nginx/proxy;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location ~ ^/2015-03-31/functions/[^/]+/invocations\$ {
      # A new FastCGI connection per request, as Debian's stock snippets do. (A trial with fastcgi_keep_conn and
      # an upstream keepalive pool of 8 showed a few requests starving: max latency grew by ~1 s every second.)
      fastcgi_pass unix:$tmp/php-fpm.sock;
      fastcgi_param SCRIPT_FILENAME $tmp/echo.php;
      fastcgi_param REQUEST_METHOD \$request_method;
      fastcgi_param CONTENT_TYPE \$content_type;
      fastcgi_param CONTENT_LENGTH \$content_length;
      fastcgi_param REQUEST_URI \$request_uri;
    }
  }
}
EOF
"$php_fpm" "${fpm_flags[@]}" -F -y "$tmp/php-fpm.conf" >"$out/php-fpm.log" 2>&1 &
fpm_pid=$!; lt_stop_on_exit "$fpm_pid"
nginx -e "$tmp/nginx-error.log" -p "$tmp/nginx" -c "$tmp/nginx.conf" >"$out/nginx.log" 2>&1 &
nginx_pid=$!; lt_stop_on_exit "$nginx_pid"
server_pids=("$fpm_pid" "$nginx_pid")
wait_ready "$path" "$nginx_port"
run nginx-php "$nginx_port" --connections "$connections"
stop "$nginx_pid"
stop "$fpm_pid"
cp "$tmp/nginx-error.log" "$tmp/php-fpm.log" "$out/" 2>/dev/null || true

# ---- table ----
ratio() { echo "scale=2; $1 / $2" | bc -l; }
{
  echo "| run | load | req/s | p50 ms | p99 ms | server process CPU µs/req | server + children CPU µs/req | load generator CPU µs/req | non-2xx / errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
  cpu_field() { grep "^CPU label=$1 " "$out/results.txt" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
  row() {
    local label="$1" load="$2"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$load" "$(field "$label" rps)" "$(field "$label" p50_ms)" "$(field "$label" p99_ms)" \
      "$(cpu_field "$label" server_self_us_per_request)" "$(cpu_field "$label" server_us_per_request)" "$(cpu_field "$label" harness_us_per_request)" \
      "$(grep "^RESULT label=$label " "$out/results.txt" | tail -n 1 | grep -oE '(throttled|other4xx|5xx|errors|function_errors|unsent_due)=[0-9]+|wrk_errors="[^"]*"' | grep -vE '=0$|"none"' | tr '\n' ' ' || true)"
  }
  row bare-kestrel "closed, $connections conn"
  row bare-kestrel-wrk "wrk -t2 -c$connections"
  row gateway "closed, $connections conn"
  row gateway-wrk "wrk -t2 -c$connections"
  row gateway-bash "closed, $bash_connections conn (bash-echo)"
  row nginx-php "closed, $connections conn"
  row gateway-open "open, $half req/s"
  row bare-open "open, $half req/s"
  row bare-kestrel-6mb "closed, $big_connections conn, $big_bytes B"
  row gateway-6mb "closed, $big_connections conn, $big_bytes B"
  echo
  echo "Gateway/Kestrel throughput: $(ratio "$(field gateway rps)" "$(field bare-kestrel rps)")"
  echo "Gateway/nginx+php-fpm throughput: $(ratio "$(field gateway rps)" "$(field nginx-php rps)")"
  echo "Gateway/Kestrel 6 MB echo throughput: $(ratio "$(field gateway-6mb rps)" "$(field bare-kestrel-6mb rps)")"
  echo "Gateway managed allocations per 64 B echo invocation: $alloc_per_invocation B"
  echo "Open loop at $half req/s: p99 gateway $(field gateway-open p99_ms) ms vs bare Kestrel $(field bare-open p99_ms) ms"
  echo "Gateway memory idle: $idle_memory"
  echo "Gateway memory after the echo runs: $after_memory"
  echo "Load average (1/5/15 min) after each run: $(sed -n 's/^LOADAVG label=//p' "$out/results.txt" | tr '\n' ';')"
  echo "Machine: $(sed -n 's/^MACHINE //p' "$out/results.txt")"
  echo "Outputs: $out"
} | tee "$out/table.md"
