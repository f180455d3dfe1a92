using System.Security.Cryptography;
using System.Text;
using Gateway.Environments.Sandbox;
using Gateway.Logs;
using Gateway.Native;
using Gateway.Runtimes;

namespace Gateway.Environments;

/// <summary>What every execution environment shares: the clock, the process spawner and reaper, the log
/// writer, the settings, and the folders under the data directory.</summary>
internal sealed class EnvironmentServices : IDisposable
{
    public EnvironmentServices(GatewayOptions options, TimeProvider time)
    {
        Options = options;
        Time = time;
        Freezer = options.FreezeIdleMilliseconds >= 0 ? new IdleFreezer(TimeSpan.FromMilliseconds(options.FreezeIdleMilliseconds)) : null;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        RunDirectory = ChooseRunDirectory(DataDirectory);
        TmpDirectory = Path.Combine(DataDirectory, "tmp");
        Spawner = new ProcessSpawner(batchScheduling: options.WorkerBatchScheduling);
        Reaper = new ChildReaper();
        Logs = new FunctionLogs(DataDirectory, options.EchoFunctionLogs, time);
        Runtimes = new RuntimeCatalog(string.IsNullOrEmpty(options.RuntimesDirectory) ? RuntimeCatalog.DefaultDirectory : options.RuntimesDirectory,
            Console.WriteLine);
        Sandbox = EnvironmentSandbox.Choose(SandboxSettings.Parse(options.Sandbox), DataDirectory, Runtimes, RunDirectory);
        Containment = Environments.Containment.FunctionContainment.Choose(Environments.Containment.ContainmentSettings.Parse(options.Containment),
            options.WorkerUid, DataDirectory, Spawner.Method);

    }

    public GatewayOptions Options { get; }

    /// <summary>Freezes idle environments (<see cref="WorkerProcess.Freeze"/>) once they and their function have been quiet
    /// for <c>--freeze-idle-ms</c>; null when that is negative (never). With 0 (<see cref="FreezeAtOnce"/>) it takes only
    /// the environments that could not be frozen the moment they went idle (a Telemetry batch on its way).</summary>
    public IdleFreezer? Freezer { get; }

    /// <summary><c>--freeze-idle-ms 0</c>: an environment is frozen the moment it goes idle.</summary>
    public bool FreezeAtOnce => Freezer is { After.Ticks: 0 };

    /// <summary>Who serves the Runtime API on the connections each environment accepts (--runtime-api-server): the
    /// hand-written server unless Program.cs installs Kestrel's before the first environment starts.</summary>
    public RuntimeApi.IRuntimeApiServer RuntimeApiServer { get; set; } = RuntimeApi.BuiltinRuntimeApiServer.Instance;

    public TimeProvider Time { get; }

    public string DataDirectory { get; }

    /// <summary>Runtime API sockets and worker pid files. Under the data directory unless that path is too long
    /// for a Unix socket address (108 bytes), in which case a folder under /tmp named after it.</summary>
    public string RunDirectory { get; }

    /// <summary>Each environment's private temporary folder lives here (TMPDIR), removed when it ends.</summary>
    public string TmpDirectory { get; }

    public ProcessSpawner Spawner { get; }

    public ChildReaper Reaper { get; }

    public FunctionLogs Logs { get; }

    /// <summary>The runtimes catalog: which runtimes run here, where their files are, what each environment starts.</summary>
    public RuntimeCatalog Runtimes { get; }

    /// <summary>What environments' processes see of the filesystem (a mount namespace each, or the host's folders).</summary>
    public EnvironmentSandbox Sandbox { get; }

    /// <summary>Each environment's cgroup and worker user (Containment/).</summary>
    public Containment.FunctionContainment Containment { get; }

    private static string ChooseRunDirectory(string dataDirectory)
    {
        var preferred = Path.Combine(dataDirectory, "run");
        // "{run}/{32 hex}.sock" must fit in sockaddr_un.sun_path (108 bytes including the NUL).
        if (Encoding.UTF8.GetByteCount(preferred) + 1 + 32 + 5 < 107)
        {
            return preferred;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..16];
        return Path.Combine(Path.GetTempPath(), "gateway-run-" + hash);
    }

    public void Dispose()
    {
        Freezer?.Dispose();
        Logs.Dispose();
        Spawner.Dispose();
        Reaper.Dispose();
    }
}
