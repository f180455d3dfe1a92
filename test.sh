#!/usr/bin/env bash
# The test command:
#   ./test.sh [-- <dotnet test arguments>]
#   ./test.sh -- --filter FullyQualifiedName~ThrottleTests   (every step still runs; only dotnet test is filtered)
#
# 1. Debian packages: checked (quietly) and, when some are missing, installed by scripts/install-deps.sh
#    (as root, or through sudo). --install-deps, from before this was automatic, is still accepted.
# 2. scripts/publish.sh (native gateway + samples + runtimes), scripts/build-node-runtime.sh (Node RIC + SDK).
# 3. The Python runtime's own tests (src/Runtimes/python/tests, unittest), then dotnet test on tests/Gateway.UnitTests, tests/Gateway.Runtime.Tests, tests/Gateway.EventStore.Tests and tests/Gateway.Cluster.Tests (a real redis-server), then tests/Gateway.Tests with GATEWAY_BIN, GATEWAY_SAMPLES_DIR and
#    GATEWAY_NODE_RIC_DIR pointing at those builds, then the fuzz smoke run (scripts/fuzz.sh smoke); results in artifacts/test-results/.
# 4. A closing line "N passed, N failed[, N skipped]". Exits non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

test_args=()
while (($#)); do
  case "$1" in
    --install-deps) shift ;; # the default now
    --) shift; test_args=("$@"); break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (dotnet test arguments go after --)" >&2; exit 2 ;;
  esac
done

# The .NET SDK is not a Debian package: say so at once instead of failing half-way through.
command -v dotnet >/dev/null || {
  echo "test.sh: 'dotnet' not found; install the .NET SDK named in global.json first (https://dot.net/v1/dotnet-install.sh)" >&2
  exit 1
}
# Debian packages (and Node.js when there is none): installed when missing, silent when all are there.
if ! scripts/install-deps.sh --check 2>/dev/null; then
  echo "test.sh: installing what the tests need (scripts/install-deps.sh)"
  scripts/install-deps.sh
fi
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "test.sh: '$tool' not found after scripts/install-deps.sh" >&2; exit 1; }
done

export GATEWAY_BIN="$root/artifacts/gateway/Gateway"
export GATEWAY_SAMPLES_DIR="$root/artifacts/samples"
export GATEWAY_NODE_RIC_DIR="${GATEWAY_NODE_RIC_DIR:-$root/artifacts/node-ric}"   # another checkout's, to skip the ~3 min build

scripts/publish.sh
scripts/build-node-runtime.sh   # the Node RIC (scripts/build-node-ric.sh) + the SDK, into the nodejs runtime

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
rc=0
# The Python runtime's bootstrap against a fake Runtime API (seconds); its counts join the summary below.
python3 src/Runtimes/python/tests/run_tests.py "$results/python-runtime.counts" || rc=$?
# Unit tests first (seconds), then the integration and end-to-end tests against the native binaries.
for project in tests/Gateway.UnitTests/Gateway.UnitTests.csproj tests/Gateway.Runtime.Tests/Gateway.Runtime.Tests.csproj tests/Gateway.EventStore.Tests/Gateway.EventStore.Tests.csproj tests/Gateway.Cluster.Tests/Gateway.Cluster.Tests.csproj tests/Gateway.Tests/Gateway.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c Release \
    --logger "console;verbosity=normal" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    "${test_args[@]}" || rc=$?
done

# The fuzz harnesses' smoke run (scripts/fuzz.sh smoke: corpus + seeded mutations in-process, seconds); each target
# counts as one test in the summary.
scripts/fuzz.sh smoke --counts "$results/fuzz-smoke.counts" || rc=$?

# Summary from the trx counters of both projects (a skipped test counts in total but not in executed).
shopt -s nullglob
trxs=("$results"/*.trx)
if ((${#trxs[@]} == 0)); then
  echo "test.sh: no test results in ${results#"$root"/} (did the build fail?)" >&2
  exit $((rc == 0 ? 1 : rc))
fi
passed=0; failed=0; skipped=0
failed_names=()   # repeated above the summary: a CI log that keeps only its tail still says which test failed
for trx in "${trxs[@]}"; do
  while IFS= read -r name; do failed_names+=("$name"); done < <(
    grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/\1/p')
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p="$(count passed)"; f="$(count failed)"; t="$(count total)"; e="$(count executed)"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
for counts in "$results/python-runtime.counts" "$results/fuzz-smoke.counts"; do
  [[ -f "$counts" ]] || continue
  { read -r p f s; while IFS= read -r name; do failed_names+=("$name"); done; } <"$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
summary="$passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
echo
if ((${#failed_names[@]} > 0)); then
  echo "Failed:"
  printf '  %s\n' "${failed_names[@]}"
fi
echo "$summary"
if ((rc == 0 && failed > 0)); then rc=1; fi
exit "$rc"
