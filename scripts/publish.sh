#!/usr/bin/env bash
# Publishes the native-AOT binaries into artifacts/:
#   artifacts/gateway/Gateway     from src/Gateway/Gateway.csproj
#   artifacts/samples/bootstrap   from src/Functions/Samples/Samples.csproj
#   artifacts/gateway/runtimes/   src/Runtimes/{nodejs,python} (the managed runtimes' files, found beside the
#                                 binary; scripts/build-node-runtime.sh adds Node's client and SDK)
#
# A project is skipped when its inputs are unchanged since its last good publish: the stamp
# artifacts/<name>/.inputs.sha256 holds a hash of every file on disk (tracked or not, minus bin/ and
# obj/) in the project's folder and the folders of the projects it references (transitively), plus
# the repo-wide build files and the SDK version. FORCE=1 republishes anyway.
#
# Fails when a publish fails or prints any warning (warning IL…, warning CS…, any ": warning "),
# and prints them; the full log is in artifacts/logs/publish-<name>.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p artifacts/logs

# Folders of a project and of every project it references, following <ProjectReference Include="…">.
project_dirs() {
  local csproj="$1" dir ref
  dir="$(cd "$(dirname "$csproj")" && pwd)"
  [[ " ${seen_dirs[*]} " == *" $dir "* ]] && return 0
  seen_dirs+=("$dir")
  echo "${dir#"$root"/}"                    # relative, so the hash survives moving the repo
  while IFS= read -r ref; do
    ref="${ref//\\//}"                     # MSBuild allows Windows separators
    if [[ -f "$dir/$ref" ]]; then project_dirs "$dir/$ref"; fi
  done < <(grep -o '<ProjectReference[^>]*Include="[^"]*"' "$csproj" | sed 's/.*Include="\([^"]*\)"/\1/')
}

# Hash of everything that can change the published binary.
inputs_hash() {
  local csproj="$1"
  local -a seen_dirs=() dirs files
  mapfile -t dirs < <(project_dirs "$csproj")
  mapfile -d '' files < <(
    find "${dirs[@]}" -type d \( -name bin -o -name obj \) -prune -o -type f -print0
    find . src -maxdepth 1 -type f \( -name 'Directory.*' -o -name global.json -o -name nuget.config \
      -o -name NuGet.Config -o -name .editorconfig \) -print0)
  {
    dotnet --version
    printf '%s\0' "${files[@]}" | LC_ALL=C sort -zu | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

# publish NAME CSPROJ BINARY: publish into artifacts/NAME unless its stamp is current.
publish() {
  local name="$1" csproj="$2" binary="$3"
  local out="artifacts/$name" log="artifacts/logs/publish-$name.log" hash warnings start
  hash="$(inputs_hash "$csproj")"
  if [[ -z "${FORCE:-}" && -x "$out/$binary" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$hash" ]]; then
    echo "publish: $name up to date"
    return 0
  fi
  echo "publish: $name ($csproj) …"
  rm -f "$out/.inputs.sha256"
  start=$SECONDS
  # -tl:off: the plain console logger, so the log is greppable when not on a terminal.
  if ! dotnet publish "$csproj" -c Release -o "$out" -nologo -tl:off >"$log" 2>&1; then
    grep -E ': (error|warning) ' "$log" | sort -u >&2 || tail -n 40 "$log" >&2
    echo "publish: $name FAILED (log: $log)" >&2
    return 1
  fi
  warnings="$(grep -E ': warning |warning (IL|CS)[0-9]' "$log" | sort -u || true)"
  if [[ -n "$warnings" ]]; then
    echo "$warnings" >&2
    echo "publish: $name has warnings; they are not allowed (log: $log)" >&2
    return 1
  fi
  [[ -x "$out/$binary" ]] || { echo "publish: $name did not produce $out/$binary" >&2; return 1; }
  echo "$hash" >"$out/.inputs.sha256"
  echo "publish: $name done in $((SECONDS - start)) s -> $out/$binary"
}

publish gateway src/Gateway/Gateway.csproj Gateway
publish samples src/Functions/Samples/Samples.csproj bootstrap

# The managed runtimes' own files, beside the binary (copied every time: a few small scripts). What
# scripts/build-node-runtime.sh adds (index.mjs, node_modules/) is left in place.
if [[ -d src/Runtimes ]]; then
  mkdir -p artifacts/gateway/runtimes
  cp -a src/Runtimes/. artifacts/gateway/runtimes/
  # The Python runtime's own tests stay in the repository; its modules are compiled now, because inside the
  # mount namespace its folder is read-only and Python would otherwise compile them at every environment start.
  rm -rf artifacts/gateway/runtimes/python/tests
  if command -v python3 >/dev/null; then python3 -m compileall -q artifacts/gateway/runtimes/python >/dev/null; fi
fi
