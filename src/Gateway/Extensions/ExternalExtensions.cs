using Gateway.Functions;

namespace Gateway.Extensions;

/// <summary>
/// Finds a function's external extensions (the files of its layers' <c>/opt/extensions</c>) and builds the small bash
/// launcher that starts them, waits until each has registered, and only then execs the runtime's bootstrap, as
/// Lambda orders init: extensions first, then the runtime ("After each extension registers, Lambda starts the Runtime
/// init phase", runtimes-extensions-api).
/// </summary>
/// <remarks>
/// Why a launcher inside the environment rather than separate spawns: an extension shares the function's sandbox
/// (its <c>/tmp</c>, <c>/opt</c>, user, cgroup and process group), which only a process started inside the same
/// namespace gets. Why bash: it reaches the Runtime API itself (<c>/dev/tcp</c>, a loopback connection to
/// <c>AWS_LAMBDA_RUNTIME_API</c>) to wait for the registrations and to report each extension's exit, with no helper
/// binary to build or bind. If it cannot reach the gateway it does not start the runtime, and an exit it cannot
/// report kills the environment's process group: an extension is never silently gone. The two routes it calls (<c>/_gateway/extensions/…</c>) answer only on this environment's
/// own listener, so a function calling them can only confuse itself.
/// <para>
/// Each extension gets what RAPID gives it (rapidcore/env AgentExecEnv): the function's environment without the
/// variables only a runtime has (<see cref="HiddenFromExtensions"/>), no arguments, and the function's output as its
/// stdout and stderr, so its lines are in the function's log stream — each line marked with a leading
/// <see cref="LineMark"/> (ASCII RS), which the log stream removes, so the Telemetry API can tell an extension's
/// lines from the function's, and a line of one is never cut into a line of the other.
/// </para>
/// </remarks>
internal static class ExternalExtensions
{
    /// <summary>What the launcher puts in front of each line an extension writes (Logs/EnvironmentLog.cs takes it off).</summary>
    public const byte LineMark = 0x1E;

    /// <summary>The launcher: $1 the extensions folder as seen, $2 the variables to hide, $3 the count, then the names,
    /// then the runtime's command.</summary>
    private const string Script = """
        api=${AWS_LAMBDA_RUNTIME_API:-}
        tell() {
          exec 9<>"/dev/tcp/${api%:*}/${api##*:}" || return 1
          printf '%s /_gateway/extensions/%s HTTP/1.1\r\nHost: %s\r\nLambda-Extension-Name: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' "$1" "$2" "$api" "$3" "${#4}" "$4" >&9
          local status=""
          IFS= read -r status <&9
          exec 9<&-
          case "$status" in "HTTP/1.1 200"*) return 0 ;; *) return 1 ;; esac
        }
        # Each line an extension writes goes out whole, marked as an extension's (the Telemetry API's "extension" type).
        tag() {
          local line
          while IFS= read -r line || [ -n "$line" ]; do printf '\036%s\n' "$line"; done
        }
        dir=$1 hidden=$2 count=$3
        shift 3
        while [ "$count" -gt 0 ]; do
          name=$1
          shift
          count=$((count - 1))
          if [ ! -x "$dir/$name" ]; then
            echo "gateway-extensions: $dir/$name: permission denied (not executable)" >&2
            tell POST exited "$name" launch || kill -KILL 0
            continue
          fi
          # Started twice removed, so the runtime (exec'd below) is not the parent of these watchers.
          # The watcher's own stderr is closed (bash would report a killed child there, into the function's log).
          # The exit is reported once the relay has passed on the extension's last lines (the environment may be
          # killed as soon as it hears of it), or after a second if a process the extension left holds its output.
          ( ( exec 3>&2 2>/dev/null
              exec 4> >(tag 2>&3 3>&-)
              relay=$!
              ( unset $hidden; exec "$dir/$name" >&4 2>&4 3>&- 4>&- )
              status=$?
              exec 4>&-
              ( sleep 1; kill -KILL "$relay" ) &
              timer=$!
              wait "$relay"
              kill "$timer"
              tell POST exited "$name" "$status" || kill -KILL 0 ) & )
        done
        if ! tell GET launched "" ""; then
          echo "gateway-extensions: the Runtime API at '$api' did not answer; the runtime is not started" >&2
          exit 1
        fi
        exec "$@"
        """;

    /// <summary>What an extension's environment leaves out (the Extensions API page's list; RAPID also drops every
    /// variable whose name starts with an underscore).</summary>
    private static readonly string[] HiddenFromExtensions =
    [
        "AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT",
    ];

    /// <summary>The external extensions of <paramref name="function"/>: every entry of its layers' <c>extensions</c>
    /// folder that is not a folder, in byte order of the names (Go's os.ReadDir, which RAPID lists them with).</summary>
    public static string[] Find(FunctionDefinition function)
    {
        if (function.LayersDirectory is not { Length: > 0 } layers)
        {
            return [];
        }
        var folder = new DirectoryInfo(Path.Combine(layers, "extensions"));
        if (!folder.Exists)
        {
            return [];
        }
        var names = new List<string>();
        foreach (var entry in folder.EnumerateFileSystemInfos())
        {
            bool isFolder = (entry.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == FileAttributes.Directory;
            if (!isFolder)
            {
                names.Add(entry.Name); // a link counts, as it does for os.ReadDir
            }
        }
        names.Sort(StringComparer.Ordinal);
        return [.. names];
    }

    /// <summary>The launcher's command, to go in front of the runtime's executable and arguments.</summary>
    /// <param name="optDirectory">/opt as the process sees it.</param>
    /// <param name="environment">The worker's environment (NAME=value), for the names to hide from extensions.</param>
    public static List<string> Launcher(string optDirectory, string[] names, IEnumerable<string> environment)
    {
        var hidden = environment
            .Select(static v => v[..Math.Max(0, v.IndexOf('='))])
            .Where(static n => n.StartsWith('_') || Array.IndexOf(HiddenFromExtensions, n) >= 0);
        return
        [
            "/bin/bash", "-c", Script, "gateway-extensions",
            optDirectory + "/extensions", string.Join(' ', hidden), names.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. names,
        ];
    }
}
