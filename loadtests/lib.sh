# Sourced by the loadtests/*.sh scripts: what each of them needs before it measures anything. It moves to the
# repository root, and gives them an output folder, the published gateway and the built harness, and a scratch
# folder; every process registered with lt_stop_on_exit is stopped when the script ends, however it ends.
# shellcheck shell=bash

lt_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$lt_root"
mkdir -p artifacts/logs
lt_pids=()
lt_tmp=""

# lt_output_dir NAME [DIR]: DIR, or artifacts/loadtests/NAME-<UTC time>; created; printed as an absolute path.
lt_output_dir() {
  local dir="${2:-artifacts/loadtests/$1-$(date -u +%Y%m%dT%H%M%SZ)}"
  mkdir -p "$dir"
  (cd "$dir" && pwd)
}

# lt_build_harness: publishes the gateway and samples when stale, builds the load harness; sets harness_dll.
# LT_NO_PUBLISH=1 measures whatever artifacts/gateway holds (e.g. while another build has the cores).
lt_build_harness() {
  if [[ "${LT_NO_PUBLISH:-0}" == 1 && -x artifacts/gateway/Gateway ]]; then
    echo "loadtests: LT_NO_PUBLISH=1: using artifacts/gateway as it is" >&2
  else
    scripts/publish.sh >&2
  fi
  dotnet build loadtests/Gateway.LoadTests/Gateway.LoadTests.csproj -c Release -nologo -tl:off -v:q \
    -o artifacts/loadtests/harness >artifacts/logs/build-loadtests.log 2>&1 \
    || { tail -n 30 artifacts/logs/build-loadtests.log >&2; exit 1; }
  harness_dll="$lt_root/artifacts/loadtests/harness/Gateway.LoadTests.dll"
}

# lt_scratch NAME: a scratch folder in /tmp (readable by the workers), set as tmp; removed on exit.
lt_scratch() {
  lt_tmp="$(mktemp -d "/tmp/gateway-$1.XXXXXX")"
  chmod 755 "$lt_tmp"
  tmp="$lt_tmp"
}

# lt_stop_on_exit PID…: stopped (SIGTERM, SIGKILL after 10 s) when the script ends.
lt_stop_on_exit() { lt_pids+=("$@"); }

lt_cleanup() {
  local pid
  for pid in "${lt_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${lt_pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [[ -z "$lt_tmp" ]] || rm -rf "$lt_tmp"
}
trap lt_cleanup EXIT
trap 'exit 130' INT TERM
