using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// The managed face of gateway_spawn.c: fork (as a vfork-style clone), PR_SET_PDEATHSIG, new session, stdio,
/// working directory, closed descriptors and exec, in C, without a second exec.
/// </summary>
/// <remarks>
/// Linked into the native-AOT executable and bound at link time (GatewaySpawn.targets: DirectPInvoke), so there
/// it is always available. The JIT build loads libgateway_spawn.so from beside Gateway.dll; when it was not
/// built (no C compiler), <see cref="IsAvailable"/> is false and ProcessSpawner falls back to setpriv.
/// </remarks>
internal static unsafe partial class SpawnShim
{
    private const string Library = "gateway_spawn";

    /// <summary>GATEWAY_SPAWN_VERSION in gateway_spawn.c: a stale library with another signature is not used.</summary>
    private const int ExpectedVersion = 2;

    public static bool IsAvailable { get; } = Probe();

    /// <summary>Starts the worker; returns 0 and its pid, or an errno value and the <see cref="SpawnStep"/> that
    /// failed. <paramref name="outputFd"/> becomes its stdout and stderr and stays open in the gateway. Before the exec it
    /// joins the cgroups of <paramref name="cgroupProcs"/> (NULL-terminated cgroup.procs paths, or null) and, when
    /// <paramref name="uid"/> is not -1, becomes that user with <paramref name="gids"/> (primary first, at most 17).</summary>
    [LibraryImport(Library, EntryPoint = "gateway_spawn")]
    public static partial int Spawn(byte* path, byte** argv, byte** envp, byte* workingDirectory, int outputFd,
        byte** cgroupProcs, int uid, int* gids, int gidCount, int* childPid, int* failedStep);

    [LibraryImport(Library, EntryPoint = "gateway_spawn_version")]
    private static partial int Version();

    private static bool Probe()
    {
        try
        {
            return Version() == ExpectedVersion;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
