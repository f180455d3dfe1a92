using System.Collections.Immutable;
using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.Benchmarks;

/// <summary>
/// The registry the dispatch-path benchmarks resolve against, built from the records directly (no functions file,
/// no store): <see cref="FunctionCount"/> functions with a $LATEST each; <see cref="Target"/> also has published
/// versions 1–3 and an alias <see cref="WeightedAlias"/> on version 2 that sends a quarter of invocations to 3.
/// </summary>
internal static class DispatchPathFixture
{
    public const int FunctionCount = 50;
    public const string Region = "us-east-1";
    public const string AccountId = "000000000000";
    public const string Target = "function-17";
    public const string WeightedAlias = "live";

    public static RegistrySnapshot Snapshot()
    {
        var functions = new List<FunctionRecord>(FunctionCount);
        for (int i = 0; i < FunctionCount; i++)
        {
            string name = $"function-{i:D2}";
            var record = Function(name);
            if (name == Target)
            {
                record = record with
                {
                    Versions = ImmutableDictionary.CreateRange(StringComparer.Ordinal,
                        new[] { "1", "2", "3" }.Select(v => KeyValuePair.Create(v, Version(name, v)))),
                    LastPublishedVersion = 3,
                    Aliases = ImmutableDictionary.Create<string, AliasRecord>(StringComparer.Ordinal).Add(WeightedAlias, new AliasRecord
                    {
                        Name = WeightedAlias,
                        Arn = $"{Arn(name)}:{WeightedAlias}",
                        FunctionVersion = "2",
                        AdditionalVersionWeights = ImmutableDictionary.Create<string, double>(StringComparer.Ordinal).Add("3", 0.25),
                        RevisionId = Guid.NewGuid().ToString(),
                    }),
                };
            }
            functions.Add(record);
        }
        return new RegistrySnapshot(1, functions);
    }

    private static FunctionRecord Function(string name) => new()
    {
        Name = name,
        Arn = Arn(name),
        Latest = Version(name, FunctionVersions.Latest),
    };

    private static VersionRecord Version(string name, string version) => new()
    {
        Definition = new FunctionDefinition
        {
            Name = name,
            Arn = Arn(name),
            Version = version,
            CodeDirectory = $"/var/task/{name}",
            Bootstrap = $"/var/task/{name}/bootstrap",
            Handler = "handler",
        },
        RevisionId = Guid.NewGuid().ToString(),
        LastModified = DateTimeOffset.UnixEpoch,
    };

    private static string Arn(string name) => $"arn:aws:lambda:{Region}:{AccountId}:function:{name}";
}
