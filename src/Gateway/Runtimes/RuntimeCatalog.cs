using System.Collections.Frozen;
using Gateway.Environments;
using Gateway.Functions;

namespace Gateway.Runtimes;

/// <summary>
/// The runtimes this gateway runs and how each starts (the "catalog" of the issue 11 contract):
/// <list type="bullet">
/// <item><c>provided.al2023</c>, <c>provided.al2</c>: the function's own <c>bootstrap</c>, inside its code folder.</item>
/// <item><c>nodejs18.x</c>, <c>nodejs20.x</c>, <c>nodejs22.x</c>: <c>{runtimes}/nodejs/bootstrap</c> (AWS's
/// /var/runtime/bootstrap, started the same way) on the machine's <c>node</c>.</item>
/// <item><c>python3.9</c>–<c>python3.13</c>: <c>{runtimes}/python/bootstrap</c> on the machine's Python 3: Debian's
/// <c>/usr/bin/python3</c> when there is one (it sees Debian's <c>python3-boto3</c>, the runtime's SDK, as AWS's
/// images ship boto3; another interpreter, e.g. pyenv's, does not), else the <c>python3</c> on the gateway's PATH.</item>
/// </list>
/// The interpreters are looked up on the gateway's PATH once, the first time a runtime of their family is asked for,
/// so a gateway that runs only custom runtimes never starts them. Whether a runtime is available is answered at
/// CreateFunction (and for the functions file at start), not at the first invoke.
/// </summary>
internal sealed class RuntimeCatalog
{
    /// <summary>Each runtime this gateway runs, in AWS's naming.</summary>
    public static readonly FrozenDictionary<string, RuntimeFamily> Families = new Dictionary<string, RuntimeFamily>(StringComparer.Ordinal)
    {
        ["provided.al2023"] = RuntimeFamily.Provided,
        ["provided.al2"] = RuntimeFamily.Provided,
        ["nodejs18.x"] = RuntimeFamily.NodeJs,
        ["nodejs20.x"] = RuntimeFamily.NodeJs,
        ["nodejs22.x"] = RuntimeFamily.NodeJs,
        ["python3.9"] = RuntimeFamily.Python,
        ["python3.10"] = RuntimeFamily.Python,
        ["python3.11"] = RuntimeFamily.Python,
        ["python3.12"] = RuntimeFamily.Python,
        ["python3.13"] = RuntimeFamily.Python,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly Lazy<Interpreter?> _node;
    private readonly Lazy<Interpreter?> _python;
    private readonly Action<string> _log;
    private readonly HashSet<RuntimeFamily> _announced = [];

    /// <param name="runtimesDirectory">The folder holding <c>nodejs/</c> and <c>python/</c> (publish.sh puts it
    /// next to the binary; <c>--runtimes-dir</c> overrides).</param>
    /// <param name="log">Where the start-up line for each family in use goes (the gateway's console).</param>
    public RuntimeCatalog(string runtimesDirectory, Action<string> log)
    {
        RuntimesDirectory = Path.GetFullPath(runtimesDirectory);
        _log = log;
        _node = new Lazy<Interpreter?>(() => Interpreter.Probe("node", "-p", "process.execPath + '\\n' + process.version"));
        _python = new Lazy<Interpreter?>(() => Interpreter.Probe(File.Exists(DebianPython) ? DebianPython : "python3", "-c",
            "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])"));
    }

    /// <summary>Debian's Python 3, preferred to the one on PATH (see the class comment).</summary>
    public const string DebianPython = "/usr/bin/python3";

    /// <summary>The default runtimes folder: <c>runtimes/</c> beside the gateway's executable.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "runtimes");

    public string RuntimesDirectory { get; }

    public static bool IsKnown(string runtime) => Families.ContainsKey(runtime);

    public static RuntimeFamily FamilyOf(string runtime) =>
        Families.TryGetValue(runtime, out var family) ? family : RuntimeFamily.Provided;

    /// <summary>True for the runtimes AWS manages (an interpreter and AWS's runtime client), false for OS-only ones.</summary>
    public static bool IsManaged(string runtime) => FamilyOf(runtime) != RuntimeFamily.Provided;

    /// <summary>Why this machine cannot run <paramref name="runtime"/> (one of <see cref="Families"/>), or null when it can.</summary>
    public string? Unavailable(string runtime)
    {
        var family = FamilyOf(runtime);
        if (family == RuntimeFamily.Provided)
        {
            return null;
        }
        var (command, folder, install) = family == RuntimeFamily.NodeJs
            ? ("node", "nodejs", "install Node.js 20 (Debian's nodejs package)")
            : ("python3", "python", "install Python 3 (Debian's python3 and python3-boto3 packages)");
        if (InterpreterOf(family) is null)
        {
            return family == RuntimeFamily.Python
                ? $"there is no '{command}' ({DebianPython} or on the gateway's PATH; {install} and restart the gateway)"
                : $"there is no '{command}' on the gateway's PATH ({install} and restart the gateway)";
        }
        var bootstrap = Path.Combine(RuntimesDirectory, folder, "bootstrap");
        if (!File.Exists(bootstrap))
        {
            return $"its runtime files are missing ({bootstrap}; scripts/publish.sh puts them beside the gateway, or name the folder with --runtimes-dir)";
        }
        if (family == RuntimeFamily.NodeJs && !File.Exists(Path.Combine(RuntimesDirectory, folder, "index.mjs")))
        {
            return $"the Node.js runtime interface client is missing from {Path.Combine(RuntimesDirectory, folder)} (run scripts/build-node-ric.sh)";
        }
        return null;
    }

    /// <summary>The machine interpreter <paramref name="runtime"/> runs on (looked up once), or null for OS-only runtimes.</summary>
    public Interpreter? InterpreterOf(string runtime) => InterpreterOf(FamilyOf(runtime));

    private Interpreter? InterpreterOf(RuntimeFamily family) => family switch
    {
        RuntimeFamily.NodeJs => _node.Value,
        RuntimeFamily.Python => _python.Value,
        _ => null,
    };

    /// <summary>The host folder holding what the process sees as its runtime (LAMBDA_RUNTIME_DIR, /var/runtime):
    /// the function's code folder for an OS-only runtime, else the runtime's folder under <see cref="RuntimesDirectory"/>.</summary>
    public string HostDirectory(FunctionDefinition function) => FamilyOf(function.Runtime) switch
    {
        RuntimeFamily.NodeJs => Path.Combine(RuntimesDirectory, "nodejs"),
        RuntimeFamily.Python => Path.Combine(RuntimesDirectory, "python"),
        _ => function.CodeDirectory,
    };

    /// <summary>The executable an environment starts, as its process sees it (<paramref name="layout"/>'s paths):
    /// the function's bootstrap inside TaskRoot, or the managed runtime's bootstrap inside RuntimeDirectory.</summary>
    /// <remarks>
    /// An OS-only runtime whose code has no bootstrap starts the one a layer put at <c>/opt/bootstrap</c>, as Lambda
    /// does ("Lambda uses this runtime, but only if you remove it from the function's deployment package": the
    /// custom-runtime tutorial, runtimes-walkthrough). With neither, the TaskRoot path is spawned and fails with
    /// Runtime.InvalidEntrypoint, naming both (<see cref="Environments.InvalidEntrypoint"/>).
    /// </remarks>
    public static string Executable(FunctionDefinition function, EnvironmentLayout layout)
    {
        if (FamilyOf(function.Runtime) != RuntimeFamily.Provided)
        {
            return Path.Combine(layout.RuntimeDirectory, "bootstrap");
        }
        if (!File.Exists(function.Bootstrap) && function.LayersDirectory is { Length: > 0 } layers && File.Exists(Path.Combine(layers, "bootstrap")))
        {
            return Path.Combine(layout.OptDirectory, "bootstrap");
        }
        return Path.Combine(layout.TaskRoot, Path.GetRelativePath(function.CodeDirectory, function.Bootstrap));
    }

    /// <summary>Where Lambda looks for an OS-only runtime's bootstrap, in order, as its process sees them: the
    /// message of a Runtime.InvalidEntrypoint lists them (<c>[/var/task/bootstrap /opt/bootstrap]</c>).</summary>
    public static string[] BootstrapCandidates(FunctionDefinition function, EnvironmentLayout layout) =>
        FamilyOf(function.Runtime) == RuntimeFamily.Provided
            ? [Path.Combine(layout.TaskRoot, Path.GetRelativePath(function.CodeDirectory, function.Bootstrap)), Path.Combine(layout.OptDirectory, "bootstrap")]
            : [Path.Combine(layout.RuntimeDirectory, "bootstrap")];

    /// <summary>Says once per family, the first time a function of it is served, which interpreter runs it:
    /// <c>[gateway] nodejs20.x runs on Node v20.20.2 (/usr/bin/node)</c>.</summary>
    public void Announce(string runtime)
    {
        var family = FamilyOf(runtime);
        if (family == RuntimeFamily.Provided || InterpreterOf(family) is not { } interpreter)
        {
            return;
        }
        lock (_announced)
        {
            if (!_announced.Add(family))
            {
                return;
            }
        }
        _log($"[gateway] {runtime} runs on {(family == RuntimeFamily.NodeJs ? "Node" : "Python")} {interpreter.Version} ({interpreter.Path})");
    }
}
