using Gateway.Functions;
using Gateway.Functions.Code;
using Gateway.Runtimes;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;

namespace Gateway.Management;

/// <summary>
/// What the management endpoints need, passed once to <see cref="ManagementEndpoints.MapFunctions"/>: the registry
/// (the only way to change functions), the resolver (names, ARNs and qualifiers to records, with AWS's refusals), the
/// code packages (uploaded zips to code folders), the gateway's region/account/data folder, and the clock that stamps
/// LastModified.
/// </summary>
internal sealed class ManagementContext
{
    public required FunctionRegistry Registry { get; init; }

    public required FunctionResolver Resolver { get; init; }

    /// <summary>Where deployment packages are kept and extracted (the zip layer).</summary>
    public required CodeStore CodeStore
    {
        get => Code.Store;
        init => Code = new CodePackages(value);
    }

    /// <summary>The endpoints' view of <see cref="CodeStore"/>: body reading, install, Code.Location.</summary>
    internal CodePackages Code { get; private init; } = null!;

    public required GatewayOptions Options { get; init; }

    /// <summary>Which runtimes exist and can run here (Runtime is checked at CreateFunction, not at the first invoke).</summary>
    public required RuntimeCatalog Runtimes { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string Region => Options.Region;

    public string AccountId => Options.AccountId;
}
