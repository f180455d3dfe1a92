using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>A function registration written into the functions.json a test gateway starts with.</summary>
public sealed record TestFunction(string Name, string Code, string Handler)
{
    public int Timeout { get; init; } = 3;
    public int MemorySize { get; init; } = 128;
    public int Provisioned { get; init; } = 1;
    /// <summary>An explicit cap (a gateway setting); null: bounded only by Lambda's limits, as a function is by default.</summary>
    public int? MaxEnvironments { get; init; }
    public Dictionary<string, string>? Environment { get; init; }
    public int? ReservedConcurrentExecutions { get; init; }

    /// <summary>More members of the function's configuration, copied as they are (e.g. EventInvokeConfig, DeadLetterConfig).</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>A handler of the native C# sample bootstrap.</summary>
    public static TestFunction Sample(string name, string? handler = null) => new(name, TestPaths.SamplesDirectory, handler ?? name);

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["FunctionName"] = Name,
            ["Code"] = Code,
            ["Handler"] = Handler,
            ["Timeout"] = Timeout,
            ["MemorySize"] = MemorySize,
            ["ProvisionedEnvironments"] = Provisioned,
        };
        if (MaxEnvironments is { } max)
        {
            json["MaxEnvironments"] = max;
        }
        if (ReservedConcurrentExecutions is { } reserved)
        {
            json["ReservedConcurrentExecutions"] = reserved;
        }
        if (Environment is not null)
        {
            var variables = new JsonObject();
            foreach (var (key, value) in Environment)
            {
                variables[key] = value;
            }
            json["Environment"] = new JsonObject { ["Variables"] = variables };
        }
        foreach (var (key, value) in Extra ?? [])
        {
            json[key] = value?.DeepClone();
        }
        return json;
    }
}
