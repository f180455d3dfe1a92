using Gateway.Functions.Registry;

namespace Gateway.Functions;

/// <summary>
/// What a function name and qualifier came to: the function, the version that runs, the alias it went through (if
/// any) and the ARN as the caller named it (unqualified, <c>:version</c> or <c>:alias</c>). A struct of references:
/// resolving allocates nothing.
/// </summary>
internal readonly struct ResolvedTarget(FunctionRecord function, VersionRecord version, AliasRecord? alias, string invokedArn)
{
    public FunctionRecord Function { get; } = function;

    /// <summary>The version that runs (for a weighted alias, the one drawn).</summary>
    public VersionRecord Version { get; } = version;

    public AliasRecord? Alias { get; } = alias;

    /// <summary>The ARN the function was invoked as: the context's invoked_function_arn.</summary>
    public string InvokedArn { get; } = invokedArn;

    /// <summary>X-Amz-Executed-Version.</summary>
    public string ExecutedVersion => Version.Version;

    /// <summary>The qualifier as given (alias name, version number, $LATEST) or null for an unqualified name.</summary>
    public string? Qualifier => Alias?.Name ?? (ReferenceEquals(InvokedArn, Function.Arn) ? null : Version.Version);
}
