namespace Gateway.Json;

/// <summary>GET /2016-08-19/account-settings, as AWS returns it (GetAccountSettings).</summary>
internal sealed class AccountSettings
{
    public required AccountLimit AccountLimit { get; init; }

    public required AccountUsage AccountUsage { get; init; }
}

internal sealed class AccountLimit
{
    public long TotalCodeSize { get; init; } = 80530636800;

    public long CodeSizeUnzipped { get; init; } = 262144000;

    public long CodeSizeZipped { get; init; } = 52428800;

    public required int ConcurrentExecutions { get; init; }

    public required int UnreservedConcurrentExecutions { get; init; }
}

internal sealed class AccountUsage
{
    public required long TotalCodeSize { get; init; }

    public required long FunctionCount { get; init; }
}
