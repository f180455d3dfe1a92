#!/usr/bin/env bash
# Allocation guard (STYLE.md item 18): runs every benchmark in bench/Gateway.Benchmarks in its fast mode
# (--fast: one iteration of 16384 operations, tiered compilation off; allocation counts are exact, times
# are rough), exports JSON, and compares each benchmark's allocated bytes per operation with
# bench/allocation-budget.json. Exits 1 and names the offenders when one is over budget, when a benchmark
# has no budget entry, or when a budget entry has no result; exits 2 when the benchmarks could not run.
#
#   bench/check-allocations.sh                      # everything (0.5-2 minutes on 2 cores)
#   bench/check-allocations.sh --filter '*Log*'     # a subset; budget entries without a result are then ignored
#   bench/check-allocations.sh --budget other.json  # another budget file
#   bench/check-allocations.sh --in-process         # no generated project (BenchmarkDotNet's in-process toolchain):
#                                                   # the same byte counts, minutes faster on a busy box
#
# Needs: dotnet, jq. Results: artifacts/benchmarks/allocations/results/*.json.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

filter='*'
budget="$root/bench/allocation-budget.json"
mode=--fast
while (($#)); do
  case "$1" in
    --filter) filter="$2"; shift 2 ;;
    --budget) budget="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --in-process) mode=--fast-in-process; export DOTNET_TieredCompilation=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "check-allocations.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

artifacts="$root/artifacts/benchmarks/allocations"
rm -rf "$artifacts"
mkdir -p "$artifacts"

for tool in dotnet jq; do
  command -v "$tool" >/dev/null || { echo "check-allocations.sh: '$tool' is not installed (scripts/install-deps.sh)" >&2; exit 2; }
done

echo "check-allocations: running benchmarks (filter '$filter'), log in $artifacts/run.log"
# Benchmarks with multi-megabyte parameters read this and use a smaller size that takes the same code paths:
# allocations per operation don't depend on the size, and 16384 operations of 6 MB would take many minutes.
export GATEWAY_ALLOCATION_CHECK=1
if ! dotnet run -c Release --project bench/Gateway.Benchmarks -- \
    --filter "$filter" "$mode" --exporters json --artifacts "$artifacts" >"$artifacts/run.log" 2>&1; then
  tail -n 40 "$artifacts/run.log" >&2
  echo "check-allocations: the benchmark run failed (see $artifacts/run.log)" >&2
  exit 2
fi

shopt -s nullglob
reports=("$artifacts"/results/*-report-full-compressed.json)
if ((${#reports[@]} == 0)); then
  echo "check-allocations: no JSON results in $artifacts/results (did the filter match anything?)" >&2
  exit 2
fi

# One line per benchmark case: "Class.Method<TAB>Parameters<TAB>bytes/op" (bytes "null" without MemoryDiagnoser).
results="$(jq -r '.Benchmarks[] | [(.Type + "." + .Method), (if (.Parameters // "") == "" then "-" else .Parameters end), (.Memory.BytesAllocatedPerOperation // "null" | tostring)] | @tsv' "${reports[@]}")"

failures=0
printf '%-58s %-14s %10s %10s\n' "benchmark" "parameters" "B/op" "budget"
while IFS=$'\t' read -r name params bytes; do
  max="$(jq -r --arg n "$name" '.benchmarks[$n].maxBytes // "none"' "$budget")"
  status=ok
  if [[ "$bytes" == null ]]; then
    status="NO ALLOCATION DATA ([MemoryDiagnoser] missing?)"
  elif [[ "$max" == none ]]; then
    status="NO BUDGET (add it to bench/allocation-budget.json)"
  elif ((bytes > max)); then
    status="OVER BUDGET by $((bytes - max)) B"
  fi
  printf '%-58s %-14s %10s %10s  %s\n' "$name" "$params" "$bytes" "$max" "$status"
  [[ "$status" == ok ]] || failures=$((failures + 1))
done <<<"$results"

# With the full filter, every budget entry must have been measured (a renamed benchmark would escape the guard).
if [[ "$filter" == '*' ]]; then
  while read -r name; do
    if ! grep -q "^$name"$'\t' <<<"$results"; then
      printf '%-58s %-14s %10s %10s  %s\n' "$name" "" "-" "" "NO RESULT (renamed or removed? update the budget)"
      failures=$((failures + 1))
    fi
  done < <(jq -r '.benchmarks | keys[]' "$budget")
fi

if ((failures > 0)); then
  echo "check-allocations: $failures problem(s); see above" >&2
  exit 1
fi
echo "check-allocations: every benchmark within its allocation budget"
