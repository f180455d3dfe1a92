namespace Gateway.Runtime;

/// <summary>
/// The runtime's only output: one line to stderr when something goes wrong (a function or init error,
/// a refused post, a lost Runtime API). Successful invocations print nothing, as with AWS's runtimes;
/// the gateway wraps function output in START/END/REPORT lines itself.
/// </summary>
internal static class RuntimeLog
{
    public static void Error(string message) => Console.Error.WriteLine("[ERROR] " + message);

    public static void FunctionError(string errorType, Exception exception) =>
        Console.Error.WriteLine($"[ERROR] {errorType}: {exception.Message}{Environment.NewLine}{exception.StackTrace}");
}
