#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the load tests need.
# Idempotent: when every package is already installed it does not touch apt at all.
# ./test.sh runs it by itself when --check finds something missing (a fresh machine).
#   scripts/install-deps.sh           install what is missing (as root, or through sudo when not root)
#   scripts/install-deps.sh --check   only report what is missing (exit 1 if anything is)
#   --runtime (with or without --check) only what running the gateway needs (./run.sh): the aws CLI, curl/zip,
#                     the Node runtime client's build tools, bubblewrap, python3-boto3/simplejson, openssl, Node.js
#
#   awscli            the real Lambda client (Debian bookworm ships aws-cli 2.9.x; a pyenv `aws`
#                     earlier on PATH is fine, but the Debian one must exist too: /usr/bin/aws)
#   curl jq unzip zip used by scripts, tests and the README (zip: deployment packages)
#   autoconf automake libtool cmake g++ make python3
#                     build aws-lambda-ric's native addon from source (scripts/build-node-ric.sh)
#   wrk hey hyperfine load tools for loadtests/
#   nghttp2-client    h2load (HTTP/2 load, loadtests/edge.sh)
#   python3-boto3 python3-simplejson
#                     what AWS's Python images ship in /var/runtime for python3.x functions: the SDK, and
#                     simplejson (a dependency of AWS's runtime client, so importable by functions there)
#   openssl           scripts/make-dev-cert.sh (the development HTTPS certificate)
#   nodejs npm        only when there is no `node`/`npm` on PATH: a machine with another Node.js (nodesource,
#                     nvm) keeps it
#   afl++             afl-fuzz for scripts/fuzz.sh (the SharpFuzz harnesses in tests/Gateway.Fuzz)
#   redis-server      Redis 7 for cluster mode (--cluster; scripts/redis.sh, the cluster tests)
#   python3-yaml      deploy/k8s/check.py (the offline check of the Kubernetes manifests)
#
# Not installed: Debian's `bombardier` package is "The GNU Bombing utility" (a terminal game),
# not the HTTP load generator of the same name, so it is deliberately left out.
set -euo pipefail

check=""
runtime=""
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --runtime) runtime=1 ;;
    *) echo "install-deps: unknown argument '$arg' (--check, --runtime)" >&2; exit 2 ;;
  esac
done

if [[ -n "$runtime" ]]; then
  packages=(
    awscli curl jq unzip zip
    autoconf automake libtool cmake g++ make python3
    openssl bubblewrap python3-boto3 python3-simplejson
  )
else
  packages=(
    awscli curl jq unzip zip
    autoconf automake libtool cmake g++ make python3
    wrk hey hyperfine nghttp2-client openssl
    bubblewrap python3-boto3 python3-simplejson chromium
    afl++
    redis-server
    python3-yaml
  )
fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "install-deps: not a Debian or Ubuntu machine (no dpkg/apt-get); install these yourself: ${packages[*]}, and Node.js 20" >&2
  exit 1
fi

# dpkg-query is quick and exact (`command -v aws` would be fooled by a pyenv shim).
missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
# Commands any package may provide: only their absence calls for Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]} == 0)); then
  [[ -n "$check" ]] || echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
if [[ -n "$check" ]]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: installing them needs root and there is no sudo: run 'scripts/install-deps.sh' as root" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
