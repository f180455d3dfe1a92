namespace Gateway.Functions;

/// <summary>
/// The JSON shape of a functions file (<c>{"Functions":[…]}</c>) and of a folder's <c>function.json</c>.
/// Member names follow AWS's CreateFunction request where one exists (FunctionName, Handler, MemorySize,
/// Timeout, Environment.Variables, Description).
/// </summary>
internal sealed class FunctionConfigFile
{
    public List<FunctionConfig>? Functions { get; set; }
}

internal sealed class FunctionConfig
{
    public string? FunctionName { get; set; }

    /// <summary>The code folder holding <c>bootstrap</c>, relative to the file that names it.</summary>
    public string? Code { get; set; }

    public string? Handler { get; set; }

    public int? MemorySize { get; set; }

    public int? Timeout { get; set; }

    public string? Description { get; set; }

    public EnvironmentConfig? Environment { get; set; }

    public int? ProvisionedEnvironments { get; set; }

    public int? MaxEnvironments { get; set; }

    /// <summary>Reserved concurrency: a guarantee and a cap (AWS's PutFunctionConcurrency). Null: the unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; set; }
}

internal sealed class EnvironmentConfig
{
    public Dictionary<string, string>? Variables { get; set; }
}
