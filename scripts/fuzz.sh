#!/usr/bin/env bash
# Fuzzes the gateway's parsers with AFL++ and SharpFuzz (tests/Gateway.Fuzz; docs/fuzzing.md).
#   scripts/fuzz.sh TARGET|all [--seconds N]    afl-fuzz each target for N seconds (default 180)
#   scripts/fuzz.sh smoke [TARGET|all] [--mutations N] [--seed S] [--counts FILE]
#                                               no afl-fuzz: the corpus plus N seeded mutations per target,
#                                               in-process (what ./test.sh runs; a few seconds)
#   scripts/fuzz.sh list                        the targets
#
# The afl-fuzz mode builds tests/Gateway.Fuzz (Release, JIT), copies the build to artifacts/fuzz/bin and instruments
# the copy's Gateway.dll and Gateway.Runtime.dll with `dotnet sharpfuzz` (the SharpFuzz.CommandLine tool of
# .config/dotnet-tools.json), then runs afl-fuzz on each target with its checked-in corpus and dictionary. Crashes
# and hangs are copied to artifacts/fuzz/crashes/TARGET/ and replayed through the uninstrumented build so the
# exception is printed; the closing table (also artifacts/fuzz/summary.md) gives executions and coverage per target
# from afl-fuzz's fuzzer_stats. Exits 1 if any target crashed or hung.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
project=tests/Gateway.Fuzz
build="$project/bin/Release/net10.0"
out="$root/artifacts/fuzz"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
(($# >= 1)) || { usage >&2; exit 2; }

build_harness() {
  nice dotnet build "$project" -c Release -nologo -clp:ErrorsOnly -v quiet >/dev/null \
    || { echo "fuzz.sh: build of $project failed (run: dotnet build $project -c Release)" >&2; exit 1; }
}

case "$1" in
  -h|--help) usage; exit 0 ;;
  list) build_harness; exec dotnet "$build/Gateway.Fuzz.dll" list ;;
  smoke) shift; build_harness; exec dotnet "$build/Gateway.Fuzz.dll" smoke "$@" ;;
esac

which="$1"; shift
seconds=180
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found: run scripts/install-deps.sh (Debian package afl++)" >&2; exit 1; }

build_harness
targets=()
while read -r name _; do targets+=("$name"); done < <(dotnet "$build/Gateway.Fuzz.dll" list)
if [[ "$which" != all ]]; then
  printf '%s\n' "${targets[@]}" | grep -qx -- "$which" || { echo "fuzz.sh: unknown target '$which' (scripts/fuzz.sh list)" >&2; exit 2; }
  targets=("$which")
fi

# Instrument a copy: the build itself stays clean for the smoke run and for replaying crashes.
rm -rf "$out/bin"
mkdir -p "$out"
cp -r "$build" "$out/bin"
dotnet tool restore >/dev/null
for assembly in Gateway.dll Gateway.Runtime.dll; do
  dotnet tool run sharpfuzz "$out/bin/$assembly" >/dev/null
done

# What afl-fuzz demands of the machine, handled without changing the machine:
# - a core_pattern that pipes cores to a program (systemd-coredump, apport) delays crash reports; afl-fuzz refuses
#   to start unless told it may miss some. Crashes here are .NET exceptions reported by SharpFuzz, not cores.
# - the CPU frequency governor check (shared, virtual cores: nothing to tune), core binding (the box is shared: do
#   not pin), the instrumentation check on the binary (dotnet itself is not instrumented; the assemblies are).
if [[ "$(cat /proc/sys/kernel/core_pattern 2>/dev/null)" == \|* ]]; then
  export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
fi
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1

summary="$out/summary.md"
{
  echo "| target | seconds | executions | execs/s | corpus | edges found | map density | crashes | hangs |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$summary"
found=0
for target in "${targets[@]}"; do
  run="$out/runs/$target"
  rm -rf "$run"
  mkdir -p "$run"
  dict=()
  [[ -f "$project/dictionaries/$target.dict" ]] && dict=(-x "$project/dictionaries/$target.dict")
  echo "fuzz.sh: $target for ${seconds}s (log: ${run#"$root"/}/afl.log)"
  # -t 10000: the first input pays for the JIT, and the box is shared; -m none: the CLR maps far more than afl's default.
  nice afl-fuzz -i "$project/corpus/$target" -o "$run" -t 10000 -m none -V "$seconds" "${dict[@]}" \
    -- dotnet "$out/bin/Gateway.Fuzz.dll" "$target" >"$run/afl.log" 2>&1 \
    || { echo "fuzz.sh: afl-fuzz failed for $target:" >&2; tail -n 20 "$run/afl.log" >&2; exit 1; }

  stats="$run/default/fuzzer_stats"
  field() { sed -n "s/^$1 *: *//p" "$stats"; }
  crashes="$(field saved_crashes)"; hangs="$(field saved_hangs)"; crashes=${crashes:-0}; hangs=${hangs:-0}
  printf '| %s | %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$target" "$(field run_time)" "$(field execs_done)" \
    "$(field execs_per_sec)" "$(field corpus_count)" "$(field edges_found)" "$(field bitmap_cvg)" "$crashes" "$hangs" >>"$summary"

  if ((crashes + hangs > 0)); then
    found=1
    keep="$out/crashes/$target"
    mkdir -p "$keep"
    cp "$run"/default/crashes/id:* "$run"/default/hangs/id:* "$keep"/ 2>/dev/null || true
    echo "fuzz.sh: $target: $crashes crashes, $hangs hangs, kept in ${keep#"$root"/}; replayed uninstrumented:"
    timeout 120 dotnet "$build/Gateway.Fuzz.dll" replay "$target" "$keep"/id:* | head -n 60 || true
  fi
done

# The zip target extracts each input into a fresh folder under this root (afl-fuzz kills its children, so the
# root itself is removed here).
rm -rf "${TMPDIR:-/tmp}/gateway-fuzz-zip"

echo
cat "$summary"
exit "$found"
