using Gateway.Async.EventInvokeConfig;
using Gateway.Functions;

namespace Gateway.Management;

/// <summary>
/// A copy of a <see cref="FunctionDefinition"/> to change and build again (the definition is immutable and not a
/// record). Every member is copied, so settings the management API does not touch (provisioned environments, caps,
/// the functions file's event-invoke config) carry over to the new definition.
/// </summary>
internal sealed class DefinitionDraft
{
    public required string Name { get; set; }
    public required string Arn { get; set; }
    public string Version { get; set; } = FunctionVersions.Latest;
    public required string CodeDirectory { get; set; }
    public required string Bootstrap { get; set; }
    public required string Handler { get; set; }
    public string Runtime { get; set; } = "provided.al2023";
    public int MemorySizeMb { get; set; } = 128;
    public int EphemeralStorageMb { get; set; } = 512;
    public int TimeoutSeconds { get; set; } = 3;
    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();
    public bool EnvironmentGiven { get; set; }
    public int ProvisionedEnvironments { get; set; }
    public int? MaxEnvironments { get; set; }
    public int? ReservedConcurrentExecutions { get; set; }
    public string Description { get; set; } = "";
    public FunctionEventInvokeConfig? EventInvokeConfig { get; set; }
    public string? DeadLetterTargetArn { get; set; }
    public System.Collections.Immutable.ImmutableArray<Gateway.Functions.Layers.FunctionLayer> Layers { get; set; } = [];
    public string? LayersDirectory { get; set; }
    public FunctionLogging Logging { get; set; } = FunctionLogging.Default;

    public static DefinitionDraft From(FunctionDefinition definition) => new()
    {
        Name = definition.Name,
        Arn = definition.Arn,
        Version = definition.Version,
        CodeDirectory = definition.CodeDirectory,
        Bootstrap = definition.Bootstrap,
        Handler = definition.Handler,
        Runtime = definition.Runtime,
        MemorySizeMb = definition.MemorySizeMb,
        EphemeralStorageMb = definition.EphemeralStorageMb,
        TimeoutSeconds = definition.TimeoutSeconds,
        Environment = definition.Environment,
        EnvironmentGiven = definition.EnvironmentGiven,
        ProvisionedEnvironments = definition.ProvisionedEnvironments,
        MaxEnvironments = definition.MaxEnvironments,
        ReservedConcurrentExecutions = definition.ReservedConcurrentExecutions,
        Description = definition.Description,
        EventInvokeConfig = definition.EventInvokeConfig,
        DeadLetterTargetArn = definition.DeadLetterTargetArn,
        Layers = definition.Layers,
        LayersDirectory = definition.LayersDirectory,
        Logging = definition.Logging,
    };

    public FunctionDefinition Build() => new()
    {
        Name = Name,
        Arn = Arn,
        Version = Version,
        CodeDirectory = CodeDirectory,
        Bootstrap = Bootstrap,
        Handler = Handler,
        Runtime = Runtime,
        MemorySizeMb = MemorySizeMb,
        EphemeralStorageMb = EphemeralStorageMb,
        TimeoutSeconds = TimeoutSeconds,
        Environment = Environment,
        EnvironmentGiven = EnvironmentGiven,
        ProvisionedEnvironments = ProvisionedEnvironments,
        MaxEnvironments = MaxEnvironments,
        ReservedConcurrentExecutions = ReservedConcurrentExecutions,
        Description = Description,
        EventInvokeConfig = EventInvokeConfig,
        DeadLetterTargetArn = DeadLetterTargetArn,
        Layers = Layers,
        LayersDirectory = LayersDirectory,
        Logging = Logging,
    };

    /// <summary>A copy of <paramref name="definition"/> with <paramref name="change"/> applied.</summary>
    public static FunctionDefinition Change(FunctionDefinition definition, Action<DefinitionDraft> change)
    {
        var draft = From(definition);
        change(draft);
        return draft.Build();
    }
}
