#!/usr/bin/env bash
# Makes a self-signed development certificate for the gateway's --https (openssl), valid for:
#   localhost, 127.0.0.1, ::1 and *.lambda-url.<region>.localhost (function URLs) for us-east-1 and any --region given.
#
#   scripts/make-dev-cert.sh                       data/dev-cert/{cert.pem,key.pem}
#   scripts/make-dev-cert.sh --region eu-west-1    adds *.lambda-url.eu-west-1.localhost (repeatable)
#   scripts/make-dev-cert.sh --out DIR             writes DIR/cert.pem and DIR/key.pem instead
#   scripts/make-dev-cert.sh --force               replaces an existing certificate (otherwise it is kept)
#
# Then: ./run.sh --https (uses data/dev-cert when no certificate is given), or
#   Gateway --https 127.0.0.1:9443 --https-certificate DIR/cert.pem --https-certificate-key DIR/key.pem
# and trust it per client: curl --cacert DIR/cert.pem, aws --ca-bundle DIR/cert.pem (or AWS_CA_BUNDLE).
# For development only: the key is unencrypted and the certificate is its own issuer.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/data/dev-cert"
regions=(us-east-1)
force=""
days=825 # the longest validity Apple's and Chrome's TLS clients accept for a server certificate
while (($#)); do
  case "$1" in
    --region) (($# >= 2)) || { echo "make-dev-cert.sh: --region needs a value" >&2; exit 2; }; regions+=("$2"); shift 2 ;;
    --region=*) regions+=("${1#*=}"); shift ;;
    --out) (($# >= 2)) || { echo "make-dev-cert.sh: --out needs a folder" >&2; exit 2; }; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "make-dev-cert.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null || { echo "make-dev-cert.sh: 'openssl' is not installed (apt-get install openssl)" >&2; exit 2; }

cert="$out/cert.pem"
key="$out/key.pem"
if [[ -z "$force" && -s "$cert" && -s "$key" ]]; then
  echo "make-dev-cert.sh: keeping the existing $cert (--force makes a new one)" >&2
else
  mkdir -p "$out"
  sans="DNS:localhost,IP:127.0.0.1,IP:::1"
  for region in $(printf '%s\n' "${regions[@]}" | sort -u); do
    [[ "$region" =~ ^[a-z0-9-]+$ ]] || { echo "make-dev-cert.sh: '$region' is not a region name" >&2; exit 2; }
    sans+=",DNS:*.lambda-url.$region.localhost"
  done
  # A P-256 key (fast handshakes). The certificate is its own issuer, so it is marked as a CA that may sign only
  # itself (pathlen:0): OpenSSL, and with it curl and Python (the aws CLI), then accept it as the trust anchor.
  umask 077
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
    -keyout "$key" -out "$cert" -subj "/CN=Gateway development certificate" \
    -addext "subjectAltName=$sans" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,digitalSignature,keyCertSign" \
    -addext "extendedKeyUsage=serverAuth" 2>/dev/null
  chmod 644 "$cert"
  echo "make-dev-cert.sh: wrote $cert and $key ($sans)" >&2
fi

cat <<EOF
Run the gateway with it:
  artifacts/gateway/Gateway --functions samples/functions.json --https 127.0.0.1:9443 --https-certificate $cert --https-certificate-key $key
  (or ./run.sh --https)
Trust it per client:
  curl --http2 --cacert $cert https://127.0.0.1:9443/2015-03-31/functions/echo/invocations -d '{}'
  aws --endpoint-url https://localhost:9443 --ca-bundle $cert lambda list-functions
EOF
