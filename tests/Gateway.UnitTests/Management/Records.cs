using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.UnitTests.Management;

/// <summary>Registry records built directly (no functions file, no processes), for the management rules' tests.</summary>
internal static class Records
{
    public const string Region = "us-east-1";
    public const string Account = "000000000000";

    public static string ArnOf(string name) => $"arn:aws:lambda:{Region}:{Account}:function:{name}";

    public static VersionRecord Version(string name, string version, string role = "arn:aws:iam::000000000000:role/r", long codeSize = 100, string? deadLetter = null) => new()
    {
        Definition = new FunctionDefinition
        {
            Name = name,
            Arn = ArnOf(name),
            Version = version,
            CodeDirectory = "/nonexistent",
            Bootstrap = "/nonexistent/bootstrap",
            Handler = "",
            DeadLetterTargetArn = deadLetter,
        },
        Role = role,
        CodeSize = codeSize,
        RevisionId = Guid.NewGuid().ToString(),
        LastModified = DateTimeOffset.UnixEpoch,
    };

    /// <summary>A function with $LATEST and published versions 1..<paramref name="published"/>.</summary>
    public static FunctionRecord Function(string name, int published = 0, int? reserved = null) => new()
    {
        Name = name,
        Arn = ArnOf(name),
        Latest = Version(name, FunctionVersions.Latest),
        Versions = Enumerable.Range(1, published)
            .Select(n => Version(name, n.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToImmutableDictionary(v => v.Version, StringComparer.Ordinal),
        LastPublishedVersion = published,
        ReservedConcurrentExecutions = reserved,
    };

    public static AliasRecord Alias(string function, string name, string version, string? additional = null, double weight = 0) => new()
    {
        Name = name,
        Arn = ArnOf(function) + ":" + name,
        FunctionVersion = version,
        AdditionalVersionWeights = additional is null
            ? ImmutableDictionary.Create<string, double>(StringComparer.Ordinal)
            : ImmutableDictionary.Create<string, double>(StringComparer.Ordinal).Add(additional, weight),
        RevisionId = "rev-" + name,
    };

    public static FunctionRecord WithAlias(this FunctionRecord function, AliasRecord alias) =>
        function with { Aliases = function.Aliases.SetItem(alias.Name, alias) };

    public static FunctionRecord WithProvisioned(this FunctionRecord function, string qualifier, int requested) =>
        function with { ProvisionedConcurrency = function.ProvisionedConcurrency.SetItem(qualifier, new ProvisionedConcurrencyRecord { Requested = requested, LastModified = DateTimeOffset.UnixEpoch }) };

    public static RegistrySnapshot Snapshot(params FunctionRecord[] functions) => new(1, functions);
}
