using Gateway.Functions;
using Gateway.Native;

namespace Gateway.Environments.Sandbox;

/// <summary>
/// What an environment's process sees of the filesystem, chosen once at start: Lambda's own paths through a mount
/// namespace per environment (bubblewrap), or, where namespaces are unavailable or turned off, the host's folders
/// named by environment variables. Computes each environment's <see cref="EnvironmentLayout"/> and wraps its
/// <see cref="SpawnSpec"/>.
/// </summary>
internal sealed class EnvironmentSandbox
{
    private readonly BwrapCommand? _bwrap;
    private readonly string _emptyOpt;
    private readonly Runtimes.RuntimeCatalog _runtimes;
    private readonly WorkerPasswd _passwd;
    private readonly SandboxHosts _hosts;

    private EnvironmentSandbox(BwrapCommand? bwrap, string emptyOpt, Runtimes.RuntimeCatalog runtimes, string description, string runDirectory,
        bool mountsTmp = false)
    {
        _bwrap = bwrap;
        MountsTmp = mountsTmp;
        _emptyOpt = emptyOpt;
        _runtimes = runtimes;
        _passwd = new WorkerPasswd(runDirectory);
        _hosts = new SandboxHosts(runDirectory);
        Description = description;
    }

    public SandboxMode Mode => _bwrap is null ? SandboxMode.HostFolders : SandboxMode.MountNamespace;

    /// <summary>The one start-up line: which mode and why.</summary>
    public string Description { get; }

    /// <summary>Whether environments need a host folder for their /tmp (a namespace's /tmp is a tmpfs of its own).</summary>
    public bool UsesHostTmp => _bwrap is null;

    /// <summary>In a namespace: the gateway mounts each environment's /tmp itself (<see cref="TmpVolume"/>), so it can
    /// outlive a reset; false when it may not mount (not root), and bwrap's tmpfs is used.</summary>
    public bool MountsTmp { get; }

    /// <summary>Chooses the mode. Throws <see cref="InvalidOperationException"/> when <c>bwrap</c> was asked for and
    /// does not work here.</summary>
    /// <param name="runDirectory">Where the worker users' passwd files go (the environments' run folder; default
    /// <c>{data}/run</c>).</param>
    public static EnvironmentSandbox Choose(SandboxSetting setting, string dataDirectory, Runtimes.RuntimeCatalog runtimes, string? runDirectory = null)
    {
        runDirectory ??= Path.Combine(dataDirectory, "run");
        // Stands for /opt when a function has no layers, outside a namespace (and is the trial's /var/task).
        var emptyOpt = Path.Combine(dataDirectory, "empty");
        Directory.CreateDirectory(emptyOpt);
        if (setting == SandboxSetting.None)
        {
            return HostFolders(emptyOpt, runtimes, "--sandbox none", runDirectory);
        }
        var bwrap = BwrapProbe.TryCreate(emptyOpt, out var version, out var whyNot);
        if (bwrap is null)
        {
            return setting == SandboxSetting.Bwrap
                ? throw new InvalidOperationException("--sandbox bwrap: " + whyNot + ".")
                : HostFolders(emptyOpt, runtimes, whyNot, runDirectory);
        }
        bool mountsTmp = TmpVolume.CanMount(Path.Combine(dataDirectory, "tmp"));
        return new EnvironmentSandbox(bwrap, emptyOpt, runtimes,
            $"filesystem: a mount namespace per environment ({version}): code read-only at /var/task, layers at /opt, "
            + "the runtime at /var/runtime, a private /tmp of EphemeralStorage MB"
            + (mountsTmp ? " (kept across a reset, as on AWS)" : " (emptied by a reset: mounting it needs root)")
            + "; the host's /usr and /etc read-only, nothing else", runDirectory, mountsTmp);
    }

    private static EnvironmentSandbox HostFolders(string emptyOpt, Runtimes.RuntimeCatalog runtimes, string why, string runDirectory) => new(null, emptyOpt, runtimes,
        $"filesystem: host folders, no mount namespace ({why}): functions find their code, layers, runtime and tmp "
        + "through LAMBDA_TASK_ROOT, GATEWAY_OPT_DIR, LAMBDA_RUNTIME_DIR and TMPDIR, and see the rest of the host", runDirectory);

    /// <summary>The runtime's host folder (what /var/runtime shows): the managed runtime's files, or a custom runtime's
    /// (provided.*) code folder.</summary>
    private string RuntimeHostDirectory(FunctionDefinition function) => _runtimes.HostDirectory(function);

    /// <summary>The paths the process sees its pieces at. <paramref name="hostTmp"/>: the environment's host tmp folder
    /// (when <see cref="UsesHostTmp"/>).</summary>
    public EnvironmentLayout Layout(FunctionDefinition function, string? hostTmp) => _bwrap is not null
        ? new EnvironmentLayout(BwrapCommand.TaskRoot, BwrapCommand.OptDirectory, BwrapCommand.RuntimeDirectory, BwrapCommand.TmpDirectory)
        : new EnvironmentLayout(function.CodeDirectory, function.LayersDirectory ?? _emptyOpt, RuntimeHostDirectory(function),
            hostTmp ?? throw new ArgumentNullException(nameof(hostTmp)));

    /// <summary>The Runtime API socket's path as the process sees it.</summary>
    public string SeenSocketPath(string hostSocket) => _bwrap is null ? hostSocket : BwrapCommand.SeenSocketPath(hostSocket);

    /// <summary>
    /// <paramref name="spec"/> (in seen paths) as the gateway starts it: unchanged outside a namespace; otherwise bwrap
    /// running it. Throws <see cref="SpawnException"/> (with the seen path, as Lambda words it) when exec would refuse
    /// the executable (<see cref="ExecCheck"/>): inside the namespace only bwrap would notice, as an exit status.
    /// </summary>
    /// <param name="workerUid">The uid the worker runs as when not the gateway's: it gets an /etc/passwd entry in the
    /// namespace; outside one (the host's /etc/passwd has none for it), HOME names its tmp folder instead, so what looks
    /// up the user's home (Node's <c>os.homedir()</c>, the AWS SDKs' config files) finds one.</param>
    /// <param name="launcher">A command that starts first and execs the runtime's when it is ready (the extensions
    /// launcher, Extensions/ExternalExtensions.cs), or null. The runtime's executable is still checked first.</param>
    /// <param name="tmpVolume">In a namespace: the tmpfs mounted for the environment's /tmp (<see cref="MountsTmp"/>), or null.</param>
    public SpawnSpec Wrap(SpawnSpec spec, FunctionDefinition function, string hostSocket, int? workerUid = null, string? hostTmp = null,
        IReadOnlyList<string>? launcher = null, string? tmpVolume = null)
    {
        if (_bwrap is null)
        {
            if (launcher is not null)
            {
                // Checked here as in the namespace: behind the launcher, a missing bootstrap would be bash's exit 127.
                ExecCheck.Check(spec.ExecutablePath, NamespacePaths.Host);
                spec = spec with { ExecutablePath = launcher[0], Arguments = [.. launcher.Skip(1), spec.ExecutablePath, .. spec.Arguments] };
            }
            return workerUid is null || hostTmp is null || spec.Environment.Any(static v => v.StartsWith("HOME=", StringComparison.Ordinal))
                ? spec
                : spec with { Environment = [.. spec.Environment, "HOME=" + hostTmp] };
        }
        ExecCheck.Check(spec.ExecutablePath, new NamespacePaths(seen => HostPath(seen, function), NamespaceFolders));
        // A managed runtime's interpreter outside /usr (e.g. a version manager's) is shown read-only at its own prefix.
        var interpreterPrefix = _runtimes.InterpreterOf(function.Runtime) is { } interpreter && !interpreter.Path.StartsWith("/usr/", StringComparison.Ordinal)
            ? Path.GetDirectoryName(interpreter.Directory)
            : null;
        var passwd = workerUid is { } uid ? _passwd.FileFor(uid) : null;
        // With extensions, sandbox.localdomain resolves (the Telemetry API's destinations name it).
        var hosts = launcher is not null ? _hosts.File() : null;
        var arguments = _bwrap.Arguments(function, RuntimeHostDirectory(function), hostSocket, [.. launcher ?? [], spec.ExecutablePath, .. spec.Arguments],
            interpreterPrefix, passwd, hosts, tmpVolume);
        // The working directory is bwrap's --chdir; bwrap itself starts in / (the code folder might be gone).
        return spec with { ExecutablePath = _bwrap.Executable, Arguments = arguments, WorkingDirectory = "/" };
    }

    /// <summary>
    /// How the function's process ended, from how the process the gateway started ended. bwrap stays as the namespace's
    /// parent and exits with its child's status, a signal as 128 + n (as shells do): read back as that signal, so a
    /// crash is "signal: segmentation fault" as on AWS. (A function that exits with 129–159 itself reads as a signal.)
    /// </summary>
    public ChildExit SeenExit(ChildExit exit) => _bwrap is not null && !exit.Signaled && exit.Code is > 128 and < 160
        ? new ChildExit(true, exit.Code - 128, exit.MaxRssKb)
        : exit;

    /// <summary>The folders bwrap makes in the namespace (mount points and their parent), never the host's links.</summary>
    private static readonly IReadOnlySet<string> NamespaceFolders = new HashSet<string>(StringComparer.Ordinal)
    {
        "/var", BwrapCommand.TaskRoot, BwrapCommand.RuntimeDirectory, BwrapCommand.OptDirectory, "/tmp",
    };

    /// <summary>The host path behind a seen one (the code, runtime or layers folder), or the path itself.</summary>
    private string HostPath(string seen, FunctionDefinition function)
    {
        foreach (var (inside, host) in new[]
        {
            (BwrapCommand.TaskRoot, function.CodeDirectory),
            (BwrapCommand.RuntimeDirectory, RuntimeHostDirectory(function)),
            (BwrapCommand.OptDirectory, function.LayersDirectory),
        })
        {
            if (host is not null && seen.StartsWith(inside + "/", StringComparison.Ordinal))
            {
                return Path.Combine(host, seen[(inside.Length + 1)..]);
            }
        }
        return seen;
    }

}
