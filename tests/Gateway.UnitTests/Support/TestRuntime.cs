using Gateway.Functions;

namespace Gateway.UnitTests.Support;

/// <summary>
/// A code folder with a bash + curl <c>bootstrap</c> (the shape of src/Functions/bash-echo: a fresh curl per Runtime API
/// call over TCP) that answers every invocation with <c>"{MARKER} {pid}"</c>: its function's MARKER variable, so a test
/// tells old code from new, and its own pid, so a test tells one environment from another.
/// </summary>
/// <remarks>
/// Init may wait for a file (<c>INIT_GATE</c>), so a test can dispatch to an environment still starting. The event may hold the runtime at two points, each until a file exists: <c>"{answer-after} {next-after}"</c> (either
/// may be <c>-</c>). Holding the answer keeps an invocation in flight; holding the next /next keeps an environment that
/// has answered in its "answered, not yet back in /next" state. The waits are in the runtime, never in a test.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class TestRuntime : IDisposable
{
    private const string Script = """
        #!/bin/bash
        set -euo pipefail
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
        headers="$(mktemp)"
        event="$(mktemp)"
        trap 'rm -f "$headers" "$event"' EXIT
        wait_for() { while [ ! -e "$1" ]; do sleep 0.02; done; }
        if [ -n "${INIT_GATE:-}" ]; then wait_for "$INIT_GATE"; fi
        while true; do
          curl -sS --fail -D "$headers" -o "$event" "$api/invocation/next"
          request_id="$(grep -Fi 'Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '[:space:]' | cut -d: -f2)"
          answer_after=-
          next_after=-
          read -r answer_after next_after < "$event" || true
          if [ "${answer_after:--}" != "-" ]; then wait_for "$answer_after"; fi
          curl -sS -o /dev/null -X POST --data-binary "$MARKER $$" "$api/invocation/$request_id/response"
          if [ "${next_after:--}" != "-" ]; then wait_for "$next_after"; fi
        done

        """;

    private int _versions;

    public TestRuntime()
    {
        Root = Directory.CreateTempSubdirectory("gateway-pool-").FullName;
        DataDirectory = Path.Combine(Root, "data");
        Directory.CreateDirectory(DataDirectory);
    }

    public string Root { get; }

    public string DataDirectory { get; }

    /// <summary>A new definition (a new object, as an update makes) whose environments answer with <paramref name="marker"/>.</summary>
    /// <param name="initGate">When set, init (the first /next) waits until this file exists.</param>
    public FunctionDefinition Definition(string marker, int? maxEnvironments = null, string? initGate = null)
    {
        var code = Path.Combine(Root, "code" + Interlocked.Increment(ref _versions));
        Directory.CreateDirectory(code);
        var bootstrap = Path.Combine(code, "bootstrap");
        File.WriteAllText(bootstrap, Script.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new FunctionDefinition
        {
            Name = "pool-test",
            Arn = "arn:aws:lambda:us-east-1:123456789012:function:pool-test",
            CodeDirectory = code,
            Bootstrap = bootstrap,
            Handler = "function.handler",
            TimeoutSeconds = 60, // a held invocation is released by the test, never by the deadline
            Environment = initGate is null
                ? new Dictionary<string, string> { ["MARKER"] = marker }
                : new Dictionary<string, string> { ["MARKER"] = marker, ["INIT_GATE"] = initGate },
            MaxEnvironments = maxEnvironments,
        };
    }

    /// <summary>A path under the test folder that does not exist yet: create it to release a hold.</summary>
    public string Gate(string name) => Path.Combine(Root, "gate-" + name);

    public static void Open(string gate) => File.WriteAllText(gate, "");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process that outlived its test may still write here; the OS cleans /tmp.
        }
    }
}
