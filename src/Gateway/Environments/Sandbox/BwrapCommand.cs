using Gateway.Functions;

namespace Gateway.Environments.Sandbox;

/// <summary>
/// The bubblewrap command line that gives one environment Lambda's filesystem: the function's code read-only at
/// <c>/var/task</c>, its layers at <c>/opt</c>, the runtime at <c>/var/runtime</c>, a private <c>/tmp</c> of
/// EphemeralStorage MB, the host's system folders read-only, and nothing else of the host (no data folder, no
/// home). The network is not unshared: 127.0.0.1 reaches the Runtime API.
/// </summary>
/// <remarks>
/// Why only some host folders: binding all of <c>/</c> would show the function the gateway's data folder (other
/// functions' code and logs, the event store). <c>/usr</c> and <c>/etc</c> hold what interpreters and libraries need
/// (the dynamic loader's cache, CA certificates, resolv.conf); the merged-usr links (<c>/bin</c> → <c>usr/bin</c>,
/// <c>/lib64</c> …) are recreated as links. <c>/sys</c> is left out: each recursive bind costs per start, and
/// nothing a runtime needs reads it (.NET and Node fall back without cgroup files).
/// Why a tmpfs for /tmp (rather than a host folder): its <c>size=</c> makes a write past EphemeralStorage fail with
/// ENOSPC as on AWS (a folder has no limit short of quotas or a loop device). Its pages are memory, taken only as the
/// function writes (an unused 10 GB /tmp costs nothing). The gateway mounts it itself when it can (as root:
/// <see cref="TmpVolume"/>), so that it outlives a reset as on AWS; otherwise it is bwrap's, freed by the kernel when
/// the environment's last process exits.
/// Why every capability is dropped: the function runs as root (as the gateway does); with CAP_SYS_ADMIN it could
/// remount /var/task writable. Without capabilities a write there fails with EROFS, as on AWS.
/// Not <c>--new-session</c>: the process must stay in the group the spawn shim made, which WorkerProcess.Kill
/// kills; nor <c>--unshare-pid</c>: a pid namespace adds an init process to every start.
/// </remarks>
internal sealed class BwrapCommand
{
    public const string TaskRoot = "/var/task";
    public const string OptDirectory = "/opt";
    public const string RuntimeDirectory = "/var/runtime";
    public const string TmpDirectory = "/tmp";

    /// <summary>
    /// Where the environment's Runtime API socket appears inside: at its host path (tools and tests that find it through
    /// GATEWAY_RUNTIME_API_SOCKET in /proc keep working; only the socket shows, not the folders around it), unless that
    /// path lies under /tmp (a data folder whose path is too long for a socket puts its run folder there), which is the
    /// environment's own tmpfs: then under /run/gateway.
    /// </summary>
    public static string SeenSocketPath(string hostSocket) => hostSocket.StartsWith(TmpDirectory + "/", StringComparison.Ordinal)
        ? "/run/gateway/" + Path.GetFileName(hostSocket)
        : hostSocket;

    private static readonly string[] MergedUsrLinks = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    /// <summary>The host's system folders, computed once: the same for every environment.</summary>
    private readonly string[] _system;

    public BwrapCommand(string executable)
    {
        Executable = executable;
        _system = SystemArguments();
    }

    /// <summary>The bwrap binary's absolute path.</summary>
    public string Executable { get; }

    /// <summary>bwrap's arguments for one environment; <paramref name="command"/> is the executable (a seen path) and
    /// its arguments.
    /// <paramref name="passwdFile"/>: shown as /etc/passwd (the worker user's entry, <see cref="WorkerPasswd"/>), or null;
    /// <paramref name="hostsFile"/>: shown as /etc/hosts (<see cref="SandboxHosts"/>), or null;
    /// <paramref name="tmpVolume"/>: a tmpfs the gateway mounted for this environment's /tmp, which outlives the namespace
    /// (<see cref="TmpVolume"/>), or null for a tmpfs of bwrap's own.</summary>
    public List<string> Arguments(FunctionDefinition function, string runtimeHostDirectory, string hostSocket, IReadOnlyList<string> command,
        string? interpreterPrefix = null, string? passwdFile = null, string? hostsFile = null, string? tmpVolume = null)
    {
        var args = new List<string>(_system.Length + 30 + command.Count);
        args.AddRange(_system);
        if (passwdFile is not null)
        {
            args.AddRange(["--ro-bind", passwdFile, "/etc/passwd"]); // over the host's /etc, bound before
        }
        if (hostsFile is not null)
        {
            args.AddRange(["--ro-bind", hostsFile, "/etc/hosts"]); // with sandbox.localdomain (SandboxHosts)
        }
        if (interpreterPrefix is not null)
        {
            args.AddRange(["--ro-bind", interpreterPrefix, interpreterPrefix]);
        }
        args.AddRange(["--ro-bind", function.CodeDirectory, TaskRoot]);
        args.AddRange(["--ro-bind", runtimeHostDirectory, RuntimeDirectory]);
        if (function.LayersDirectory is { } layers)
        {
            args.AddRange(["--ro-bind", layers, OptDirectory]);
        }
        else
        {
            args.AddRange(["--dir", OptDirectory]); // empty, and read-only once / is
        }
        if (tmpVolume is not null)
        {
            args.AddRange(["--bind", tmpVolume, TmpDirectory]); // sized by its mount (EphemeralStorage)
        }
        else
        {
            long tmpBytes = (long)function.EphemeralStorageMb * 1024 * 1024;
            args.AddRange(["--size", tmpBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tmpfs", TmpDirectory]);
        }
        args.AddRange(["--bind", hostSocket, SeenSocketPath(hostSocket)]);
        // Last: the namespace's own root (and the folders bwrap made in it: /var, /run, /opt) read-only, as on AWS.
        args.AddRange(["--remount-ro", "/", "--chdir", TaskRoot, "--"]);
        args.AddRange(command);
        return args;
    }

    /// <summary>A trial namespace shaped like an environment's, for the start-up check.</summary>
    public List<string> TrialArguments(string emptyDirectory) =>
    [
        .. _system,
        "--ro-bind", emptyDirectory, TaskRoot,
        "--dir", OptDirectory,
        "--size", "1048576", "--tmpfs", TmpDirectory,
        "--remount-ro", "/", "--chdir", TaskRoot, "--", "/usr/bin/true",
    ];

    private static string[] SystemArguments()
    {
        var args = new List<string> { "--die-with-parent", "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc" };
        foreach (var path in MergedUsrLinks)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                args.AddRange(["--symlink", target, path]);
            }
            else if (Directory.Exists(path))
            {
                args.AddRange(["--ro-bind", path, path]);
            }
        }
        if (ShellToReplace() is { } shell)
        {
            args.AddRange(["--ro-bind", Bash, shell]);
        }
        args.AddRange(DevArguments);
        args.AddRange(["--proc", "/proc"]);
        return [.. args];
    }

    /// <summary>
    /// bwrap's /dev (null, zero, full, random, urandom, tty, a devpts of its own for ptys, the fd links), read-only, so
    /// that its <c>/dev/shm</c> stays an empty folder nothing can be created in: Lambda has no /dev/shm, so POSIX
    /// semaphores and shared memory fail there, and with them Python's <c>multiprocessing.Pool</c>, <c>Queue</c> and
    /// <c>Lock</c> (AWS Compute Blog, "Parallel Processing in Python with AWS Lambda": use <c>Pipe</c> and
    /// <c>Process</c>). bwrap makes /dev/shm world-writable, where they worked: code passed here and failed on its
    /// first deploy. (Here the error is EROFS, on AWS ENOENT/ENOSYS: either way it fails. A /dev built without shm
    /// would lose the ptys pexpect and pty.spawn use.)
    /// </summary>
    private static readonly string[] DevArguments = ["--dev", "/dev", "--remount-ro", "/dev"];

    private const string Bash = "/usr/bin/bash";

    /// <summary>
    /// The host's /bin/sh when it is not bash (Debian's dash), to be shown as bash: on Amazon Linux, which every Lambda
    /// runtime image is built on, /bin/sh is bash, and custom runtimes rely on it — AWS's own tutorial bootstrap starts
    /// <c>#!/bin/sh</c> and then <c>set -euo pipefail</c>, which dash refuses ("Illegal option -o pipefail"). The file
    /// the link resolves to is covered with bash (a link itself cannot be a mount point), so `sh` runs bash in its POSIX
    /// mode, as on Amazon Linux. Null when /bin/sh is not dash or bash is not installed.
    /// </summary>
    private static string? ShellToReplace()
    {
        // Only dash (Debian's and Ubuntu's sh): another sh (busybox, say) may be one binary with other names. Every
        // link on the way is followed (merged-usr's /bin → usr/bin, then sh → dash).
        try
        {
            var shell = NamespacePaths.Host.Resolve("/bin/sh");
            return shell is not null && File.Exists(Bash) && Path.GetFileName(shell) == "dash" && File.Exists(shell) ? shell : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
