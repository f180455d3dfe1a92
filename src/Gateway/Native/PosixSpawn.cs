using System.ComponentModel;

namespace Gateway.Native;

/// <summary>
/// The fallback way to start a worker, for a JIT build without gateway_spawn.c: glibc's posix_spawn, optionally
/// through <c>setpriv --pdeathsig KILL --</c> so the worker still dies with the gateway (at the price of a second
/// exec, 1-3 ms). Through setpriv, a bootstrap that cannot be executed is setpriv's exit status 127, not an error
/// here, and a gateway that dies in the millisecond before setpriv has set the signal leaves that worker behind (the
/// next start kills it through its pid file).
/// </summary>
internal static unsafe class PosixSpawn
{
    public static int Spawn(SpawnSpec spec, string? setprivPath)
    {
        var argv = new List<string>(spec.Arguments.Count + 5);
        string path;
        if (setprivPath is not null)
        {
            path = setprivPath;
            argv.AddRange(["setpriv", "--pdeathsig", "KILL", "--", spec.ExecutablePath]);
        }
        else
        {
            path = spec.ExecutablePath;
            argv.Add(spec.ExecutablePath);
        }
        argv.AddRange(spec.Arguments);

        using var strings = new NativeStrings();
        byte* actions = stackalloc byte[LibC.OpaqueSize];
        byte* attr = stackalloc byte[LibC.OpaqueSize];
        byte* emptyMask = stackalloc byte[LibC.OpaqueSize];
        byte* allSignals = stackalloc byte[LibC.OpaqueSize];
        Check(LibC.posix_spawn_file_actions_init(actions), "file_actions_init");
        Check(LibC.posix_spawnattr_init(attr), "spawnattr_init");
        int pid = 0;
        int error;
        try
        {
            byte* devNull = strings.Add("/dev/null");
            Check(LibC.posix_spawn_file_actions_addopen(actions, 0, devNull, LibC.O_RDONLY, 0), "addopen");
            Check(LibC.posix_spawn_file_actions_adddup2(actions, spec.OutputFd, 1), "adddup2");
            Check(LibC.posix_spawn_file_actions_adddup2(actions, spec.OutputFd, 2), "adddup2");
            Check(LibC.posix_spawn_file_actions_addchdir_np(actions, strings.Add(spec.WorkingDirectory)), "addchdir");
            // Nothing of the gateway's (listening sockets, other workers' pipes) leaks into a worker.
            Check(LibC.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom");

            _ = LibC.sigemptyset(emptyMask);
            _ = LibC.sigfillset(allSignals);
            _ = LibC.sigdelset(allSignals, LibC.SIGKILL);
            _ = LibC.sigdelset(allSignals, 19 /* SIGSTOP */);
            Check(LibC.posix_spawnattr_setsigmask(attr, emptyMask), "setsigmask");
            Check(LibC.posix_spawnattr_setsigdefault(attr, allSignals), "setsigdefault");
            Check(LibC.posix_spawnattr_setflags(attr, LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF), "setflags");

            error = LibC.posix_spawn(&pid, strings.Add(path), actions, attr, strings.AddArray(argv), strings.AddArray(spec.Environment));
        }
        finally
        {
            _ = LibC.posix_spawn_file_actions_destroy(actions);
            _ = LibC.posix_spawnattr_destroy(attr);
        }
        if (error != 0)
        {
            // glibc reports the child's failed chdir or exec here, as one error: call it the exec.
            throw new SpawnException(spec.ExecutablePath, SpawnStep.Exec, error);
        }
        return pid;
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new Win32Exception(result, "posix_spawn " + what + " failed");
        }
    }
}
