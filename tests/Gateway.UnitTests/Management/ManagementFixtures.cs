using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.Management;

namespace Gateway.UnitTests.Management;

/// <summary>Registry records for the management tests, built the way CreateFunction builds them.</summary>
internal static class ManagementFixtures
{
    public const string Region = "us-east-1";
    public const string Account = "000000000000";

    public static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 34, 56, 789, TimeSpan.Zero);

    public static string ArnOf(string name) => $"arn:aws:lambda:{Region}:{Account}:function:{name}";

    public static VersionRecord Latest(string name, string sha = "c2hh", IReadOnlyDictionary<string, string>? environment = null) => new()
    {
        Definition = new FunctionDefinition
        {
            Name = name,
            Arn = ArnOf(name),
            CodeDirectory = "/code/" + name,
            Bootstrap = "/code/" + name + "/bootstrap",
            Handler = "function.handler",
            Environment = environment ?? new Dictionary<string, string>(),
        },
        Runtime = "provided.al2023",
        Role = "arn:aws:iam::000000000000:role/lambda-role",
        CodeSha256 = sha,
        CodeSize = 321,
        RevisionId = Guid.NewGuid().ToString(),
        LastModified = Now,
    };

    public static FunctionRecord Function(string name, VersionRecord? latest = null) => new()
    {
        Name = name,
        Arn = ArnOf(name),
        Latest = latest ?? Latest(name),
        Origin = FunctionOrigin.Api,
    };

    public static RegistrySnapshot Snapshot(params FunctionRecord[] functions) => new(1, functions);

    /// <summary>Publishes $LATEST (which must be settled) and returns the snapshot after it.</summary>
    public static RegistrySnapshot Published(RegistrySnapshot snapshot, string name)
    {
        var (next, outcome) = FunctionChanges.Publish(snapshot, name, ArnOf(name), null, null, null);
        Assert.Null(outcome.Error);
        return next;
    }
}
