using Gateway.Functions.Registry;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// Which dead-letter queue an Event gives up to: the DeadLetterConfig of the version it was invoked on, as the function
/// registry has it now — set by the functions file or by UpdateFunctionConfiguration, and kept per published version
/// as AWS keeps it (an alias's events go to its primary version's; UpdateAlias refuses versions whose targets differ).
/// </summary>
internal static class DeadLetters
{
    /// <summary>The target for <paramref name="qualifier"/> (<c>$LATEST</c>, a version number or an alias name);
    /// null when that version has none or no longer exists.</summary>
    public static string? Of(FunctionRecord function, string qualifier)
    {
        var version = function.Aliases.TryGetValue(qualifier, out var alias) ? alias.FunctionVersion : qualifier;
        return function.FindVersion(version)?.Definition.DeadLetterTargetArn;
    }
}
