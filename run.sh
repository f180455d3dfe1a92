#!/usr/bin/env bash
# One command on a fresh machine: publish the gateway and the sample functions (native AOT,
# skipped when unchanged) and run the gateway in the foreground with the sample functions.
#
#   ./run.sh                                  http://127.0.0.1:9000, data in ./data
#   ./run.sh --urls http://127.0.0.1:9100     any --urls/--data/--functions given here wins;
#   ./run.sh --quiet                          every other argument goes to the gateway unchanged
#   ./run.sh --https                          also HTTPS (HTTP/1.1 + HTTP/2) on 127.0.0.1:9443 (--https ADDRESS for
#                                             another); without --https-certificate, the development certificate
#                                             of scripts/make-dev-cert.sh in <data>/dev-cert (made when missing)
#   ./run.sh --help                           this script's defaults, then every gateway option
#
# The gateway refuses an option it does not know, so a typo here stops the start instead of being ignored.
# Its options are listed by the binary itself (Gateway --help, from src/Gateway/Configuration/GatewayOptionTable.cs):
# one list, never copied here.
#
# Ctrl-C (SIGINT) or SIGTERM stops the gateway and its workers: the script exec's it, so the
# signal goes to the gateway itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
caller="$PWD"
cd "$root"

# A path given on the command line is the caller's: made absolute before the script moved to the repository.
from_caller() { [[ "$1" == /* ]] && printf '%s' "$1" || printf '%s' "$caller/$1"; }

if ! command -v dotnet >/dev/null; then
  echo "run.sh: 'dotnet' not found. Install the .NET SDK $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' global.json) (see global.json) and retry." >&2
  exit 1
fi

urls="http://127.0.0.1:9000"
data="$root/data"
functions="$root/samples/functions.json"
passthrough=()
help=""
https=""
certificate_given=""
while (($#)); do
  case "$1" in
    -h|--help) help=1; shift ;;
    --urls|--data|--functions)
      # As the gateway does: "--data --quiet" forgot the folder (--data=--quiet still names one).
      (($# >= 2)) && [[ "$2" != --* ]] || { echo "run.sh: option '$1' needs a value (see --help)" >&2; exit 2; }
      case "$1" in --urls) urls="$2" ;; --data) data="$(from_caller "$2")" ;; --functions) functions="$(from_caller "$2")" ;; esac
      shift 2 ;;
    --urls=*) urls="${1#*=}"; shift ;;
    --data=*) data="$(from_caller "${1#*=}")"; shift ;;
    --functions=*) functions="$(from_caller "${1#*=}")"; shift ;;
    --credentials|--https-certificate|--https-certificate-key|--event-store-path|--runtimes-dir|--content-root)
      # Paths too: the caller's (the gateway would read them against the repository it runs in).
      (($# >= 2)) && [[ "$2" != --* ]] || { echo "run.sh: option '$1' needs a value (see --help)" >&2; exit 2; }
      [[ "$1" == --https-certificate ]] && certificate_given=1
      passthrough+=("$1" "$(from_caller "$2")"); shift 2 ;;
    --credentials=*|--https-certificate=*|--https-certificate-key=*|--event-store-path=*|--runtimes-dir=*|--content-root=*)
      [[ "$1" == --https-certificate=* ]] && certificate_given=1
      passthrough+=("${1%%=*}" "$(from_caller "${1#*=}")"); shift ;;
    --https)
      # Its address is optional here (the gateway's own --https needs one).
      if (($# >= 2)) && [[ "$2" != --* ]]; then https="$2"; shift 2; else https="127.0.0.1:9443"; shift; fi ;;
    --https=*) https="${1#*=}"; shift ;;
    *) passthrough+=("$1"); shift ;;
  esac
done

if [[ -n "$help" ]]; then
  cat <<EOF
Usage: ./run.sh [options]
Publishes the gateway and the sample functions (native AOT, skipped when unchanged) and runs the gateway in the
foreground. Ctrl-C stops it and its workers.

run.sh's defaults (--functions differs from the gateway's own; a relative path is the caller's, as usual):
  --urls URLS        $urls
  --data DIR         $data (the repository's)
  --functions PATH   $functions (the repository's)
  --https [ADDRESS]  off; 127.0.0.1:9443 when given without an address, with the development certificate
                     (scripts/make-dev-cert.sh, in DATA/dev-cert) unless --https-certificate is given
Every other option goes to the gateway, which refuses one it does not know. The gateway's options:

EOF
  scripts/publish.sh >&2 # the list below comes from the binary, so it must be current
  exec artifacts/gateway/Gateway --help
fi

# Debian packages (bubblewrap for Lambda's filesystem, python3-boto3, the Node runtime's build tools, the aws CLI…):
# installed when missing (as root, or through sudo), silent when all are there, as test.sh does.
if ! scripts/install-deps.sh --check --runtime 2>/dev/null; then
  echo "run.sh: installing what the gateway's runtimes need (scripts/install-deps.sh --runtime)"
  scripts/install-deps.sh --runtime || echo "run.sh: scripts/install-deps.sh failed; the gateway starts without what is missing (see above)" >&2
fi
scripts/publish.sh
# The Node.js runtime's client and SDK (cached; the first build compiles the client, ~3 min). Without node/npm the
# gateway still runs, and refuses nodejs* functions at CreateFunction saying why.
if command -v npm >/dev/null; then
  scripts/build-node-runtime.sh || echo "run.sh: the Node.js runtime could not be built; nodejs functions will be refused" >&2
fi

if [[ -n "$https" ]]; then
  passthrough+=(--https "$https")
  if [[ -z "$certificate_given" ]]; then
    scripts/make-dev-cert.sh --out "$data/dev-cert" >/dev/null
    passthrough+=(--https-certificate "$data/dev-cert/cert.pem" --https-certificate-key "$data/dev-cert/key.pem")
    echo "run.sh: HTTPS on $https with the development certificate $data/dev-cert/cert.pem (curl --cacert it; aws --ca-bundle it)"
  fi
fi

echo "run.sh: gateway on $urls (functions: $functions, data: $data); Ctrl-C to stop"
exec artifacts/gateway/Gateway --urls "$urls" --data "$data" --functions "$functions" "${passthrough[@]}"
