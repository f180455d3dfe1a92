#!/usr/bin/env bash
# One command on a fresh machine: publish the gateway and the sample functions (native AOT,
# skipped when unchanged) and run the gateway in the foreground with the sample functions.
#
#   ./run.sh                                  http://127.0.0.1:9000, data in ./data
#   ./run.sh --urls http://127.0.0.1:9100     any --urls/--data/--functions given here wins;
#   ./run.sh --quiet                          every other argument goes to the gateway unchanged
#
# Ctrl-C (SIGINT) or SIGTERM stops the gateway and its workers: the script exec's it, so the
# signal goes to the gateway itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

if ! command -v dotnet >/dev/null; then
  echo "run.sh: 'dotnet' not found. Install the .NET SDK $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' global.json) (see global.json) and retry." >&2
  exit 1
fi

urls="http://127.0.0.1:9000"
data="./data"
functions="samples/functions.json"
passthrough=()
while (($#)); do
  case "$1" in
    --urls|--data|--functions)
      (($# >= 2)) || { echo "run.sh: $1 needs a value" >&2; exit 2; }
      case "$1" in --urls) urls="$2" ;; --data) data="$2" ;; --functions) functions="$2" ;; esac
      shift 2 ;;
    --urls=*) urls="${1#*=}"; shift ;;
    --data=*) data="${1#*=}"; shift ;;
    --functions=*) functions="${1#*=}"; shift ;;
    *) passthrough+=("$1"); shift ;;
  esac
done

scripts/publish.sh

echo "run.sh: gateway on $urls (functions: $functions, data: $data); Ctrl-C to stop"
exec artifacts/gateway/Gateway --urls "$urls" --data "$data" --functions "$functions" "${passthrough[@]}"
