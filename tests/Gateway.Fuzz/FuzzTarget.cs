namespace Gateway.Fuzz;

/// <summary>
/// One fuzz target: a product parser fed one input. It returns normally for every input the parser answers (including
/// its documented refusals: a false return, a status, the parser's own exception type, caught inside the target);
/// anything else that escapes — another exception, a broken invariant (<see cref="FuzzInvariantException"/>) — is a
/// finding. Hangs are caught outside: afl-fuzz's timeout, or the smoke runner's watchdog.
/// </summary>
internal sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run);

/// <summary>The parser answered, but broke a promise its own documentation makes (a finding, like a crash).</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message) : base(message) { }

    public FuzzInvariantException() { }

    public FuzzInvariantException(string message, Exception innerException) : base(message, innerException) { }

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(message);
        }
    }
}
