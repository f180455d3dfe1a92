namespace Gateway.Hosting;

/// <summary>
/// The last resort for a start-up failure nothing else reports: one line on stderr and exit code 1, as for the start-up
/// errors Program.cs names itself, instead of the runtime's "Unhandled exception." with a stack trace and exit code 134
/// (SIGABRT). The causes known so far are reported where they happen (the data folder and event store locks, a port in
/// use); this is for the ones not yet known. Debug logging (<c>--Logging:LogLevel:Default=Debug</c>) adds the stack
/// trace. Once the gateway has started, an unhandled exception is the runtime's to report, stack trace and all: it is a
/// bug in a running gateway, not a start that failed.
/// </summary>
internal static class StartupFailure
{
    private static volatile bool s_started;
    private static volatile bool s_verbose;

    /// <summary>Installs the handler (first thing in Program.cs).</summary>
    public static void Install() => AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;

    /// <summary>Whether start-up failures are reported with their stack traces (debug logging).</summary>
    public static bool Verbose => s_verbose;

    /// <summary>Reads <see cref="Verbose"/>: whether the configuration asks for debug logging.</summary>
    public static void ReadVerbosity(IConfiguration configuration)
        => s_verbose = configuration["Logging:LogLevel:Default"] is { } level
            && (level.Equals("Debug", StringComparison.OrdinalIgnoreCase) || level.Equals("Trace", StringComparison.OrdinalIgnoreCase));

    /// <summary>From here on the runtime reports unhandled exceptions itself.</summary>
    public static void MarkStarted() => s_started = true;

    private static void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e)
    {
        if (s_started)
        {
            return;
        }
        var ex = e.ExceptionObject as Exception;
        // The native binary's .NET messages are resource keys ("IO_FileExists_Name, /path"): the OS's words are added.
        string os = ex is not null && WritableFolder.OsReason(ex) is { } reason ? $" ({reason})" : "";
        Console.Error.WriteLine(s_verbose
            ? $"[gateway] cannot start{os}: {ex}"
            : $"[gateway] cannot start: {ex?.GetType().Name}: {ex?.Message}{os} (--Logging:LogLevel:Default=Debug shows where)");
        Console.Error.Flush();
        // The runtime would abort next; the handlers of the process's exit run instead (nothing is serving yet).
        Environment.Exit(1);
    }
}
