namespace Gateway.FunctionUrls;

/// <summary>
/// One function URL as the registry keeps it: the function and qualifier it belongs to (null: the unqualified
/// function, which runs $LATEST; otherwise an alias), its id and settings, and AWS's two timestamps.
/// </summary>
internal sealed record FunctionUrlConfig
{
    /// <summary>32 lower-case alphanumerics: the first label of the URL's host name.</summary>
    public required string UrlId { get; init; }

    public required string FunctionName { get; init; }

    /// <summary>Null for the unqualified function; an alias name otherwise.</summary>
    public string? Qualifier { get; init; }

    public FunctionUrlAuthType AuthType { get; init; }

    public FunctionUrlCors? Cors { get; init; }

    public FunctionUrlInvokeMode InvokeMode { get; init; }

    /// <summary>Whether a Create or Update ever named InvokeMode: AWS's Create/Update answers carry InvokeMode only then
    /// (LS-REC test_lambda_update_function_url_config: modify_lambda_url_config_none; test_url_config_lifecycle).</summary>
    public bool InvokeModeSet { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public required DateTimeOffset LastModifiedTime { get; init; }

    /// <summary>The registry's key: one URL per function and qualifier.</summary>
    public (string Function, string Qualifier) Key => (FunctionName, Qualifier ?? "");

    /// <summary>What the router hands to the invoker.</summary>
    public FunctionUrlRoute ToRoute(string domainName) =>
        new(UrlId, FunctionName, Qualifier, AuthType, Cors, InvokeMode, domainName);
}
