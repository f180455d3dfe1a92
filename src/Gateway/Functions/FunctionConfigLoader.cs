using System.Text.Json;
using Gateway.Async.EventInvokeConfig;
using Gateway.Json;

namespace Gateway.Functions;

/// <summary>A function configuration the gateway refuses to start with; the message says what and where.</summary>
internal sealed class FunctionConfigurationException(string message) : Exception(message);

/// <summary>
/// Reads function registrations from a JSON file (<c>{"Functions":[…]}</c>) or from a folder whose
/// sub-folders are functions (each with a <c>bootstrap</c> and an optional <c>function.json</c>).
/// </summary>
internal static class FunctionConfigLoader
{
    /// <param name="layers">Binds an entry's Layers; null refuses entries that name any.</param>
    public static List<FunctionDefinition> Load(string path, string region, string accountId, Runtimes.RuntimeCatalog? runtimes = null, Layers.FileLayerBinder? layers = null)
    {
        var full = Path.GetFullPath(path);
        var configs = new List<(FunctionConfig Config, string BaseDirectory, string Origin)>();
        if (Directory.Exists(full))
        {
            foreach (var dir in Directory.GetDirectories(full).Order(StringComparer.Ordinal))
            {
                var file = Path.Combine(dir, "function.json");
                var config = File.Exists(file) ? Parse<FunctionConfig>(file, GatewayJsonContext.Default.FunctionConfig) : new FunctionConfig();
                config.FunctionName ??= Path.GetFileName(dir);
                config.Code ??= ".";
                configs.Add((config, dir, File.Exists(file) ? file : dir));
            }
        }
        else if (File.Exists(full))
        {
            var file = Parse(full, GatewayJsonContext.Default.FunctionConfigFile);
            foreach (var config in file.Functions ?? [])
            {
                configs.Add((config, Path.GetDirectoryName(full)!, full));
            }
        }
        else
        {
            throw new FunctionConfigurationException($"Functions file or folder not found: {full}");
        }

        var result = new List<FunctionDefinition>();
        foreach (var (config, baseDirectory, origin) in configs)
        {
            var definition = Resolve(config, baseDirectory, region, accountId, origin, runtimes, layers);
            if (result.Any(f => f.Name == definition.Name))
            {
                throw new FunctionConfigurationException($"{origin}: function '{definition.Name}' is registered twice.");
            }
            result.Add(definition);
        }

        // A function destination must be a function of this gateway: checked once every function is known.
        foreach (var definition in result)
        {
            if (definition.EventInvokeConfig is { } eventConfig
                && EventInvokeConfigRules.ValidateDestinations(definition.Name, eventConfig.OnSuccess, eventConfig.OnFailure, region, accountId,
                    name => result.Exists(f => f.Name == name)) is { } destinationError)
            {
                var origin = configs.First(c => c.Config.FunctionName == definition.Name).Origin;
                throw new FunctionConfigurationException($"{origin}: function '{definition.Name}': EventInvokeConfig: InvalidParameterValueException: {destinationError.Message}");
            }
        }
        return result;
    }

    public static FunctionDefinition Resolve(FunctionConfig config, string baseDirectory, string region, string accountId, string origin, Runtimes.RuntimeCatalog? runtimes = null, Layers.FileLayerBinder? layers = null)
    {
        var name = config.FunctionName;
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new FunctionConfigurationException($"{origin}: FunctionName '{name}' must be 1 to 64 letters, digits, '-' or '_'.");
        }
        string Fail(string what) => throw new FunctionConfigurationException($"{origin}: function '{name}': {what}");

        var code = Path.GetFullPath(Path.Combine(baseDirectory, config.Code ?? Fail("Code (the folder holding bootstrap) is required.")));
        if (!Directory.Exists(code))
        {
            Fail($"code folder {code} does not exist (run ./run.sh, which publishes the samples, or fix Code).");
        }
        // Refused at start with AWS's exception and message, as CreateFunction refuses it (not at the first invoke).
        var runtime = config.Runtime ?? "provided.al2023";
        if (runtimes is not null && Management.FunctionRules.ValidateRuntime(runtime, runtimes) is { } runtimeError)
        {
            Fail($"Runtime: {runtimeError.ErrorType}: {runtimeError.Message}");
        }
        else if (runtimes is null && !Runtimes.RuntimeCatalog.IsKnown(runtime))
        {
            Fail($"Runtime {runtime} is not one this gateway runs.");
        }
        bool managed = Runtimes.RuntimeCatalog.IsManaged(runtime);
        if (managed && string.IsNullOrEmpty(config.Handler))
        {
            Fail($"Handler is required for runtime {runtime} (e.g. index.handler or app.lambda_handler).");
        }
        var bootstrap = Path.Combine(code, "bootstrap");
        if (!managed && !File.Exists(bootstrap))
        {
            Fail($"{bootstrap} does not exist: a function's code folder must hold an executable named bootstrap.");
        }

        int timeout = config.Timeout ?? 3;
        if (timeout is < 1 or > 900)
        {
            Fail($"Timeout {timeout} must be between 1 and 900 seconds.");
        }
        int memory = config.MemorySize ?? 128;
        if (memory is < 128 or > 10240)
        {
            Fail($"MemorySize {memory} must be between 128 and 10240 MB.");
        }
        int ephemeralStorage = config.EphemeralStorage?.Size ?? 512;
        if (ephemeralStorage is < 512 or > 10240)
        {
            Fail($"EphemeralStorage.Size {ephemeralStorage} must be between 512 and 10240 MB.");
        }
        int? max = config.MaxEnvironments;
        int provisioned = config.ProvisionedEnvironments ?? 0;
        if (provisioned < 0)
        {
            Fail($"ProvisionedEnvironments ({provisioned}) must be 0 or more.");
        }
        if (max < 1)
        {
            Fail($"MaxEnvironments ({max}) must be at least 1 (leave it out to bound the function by Lambda's limits only).");
        }
        if (provisioned > max)
        {
            Fail($"ProvisionedEnvironments ({provisioned}) must not exceed MaxEnvironments ({max}).");
        }

        if (config.ReservedConcurrentExecutions is < 0)
        {
            Fail($"ReservedConcurrentExecutions ({config.ReservedConcurrentExecutions}) must be 0 or more.");
        }
        if (config.ReservedConcurrentExecutions is { } reserved && reserved < provisioned)
        {
            // AWS's wording, spaces included (PutFunctionConcurrency below the provisioned concurrency).
            Fail($"InvalidParameterValueException:  ReservedConcurrentExecutions  {reserved} should not be lower than function's total provisioned concurrency [{provisioned}].");
        }

        var variables = config.Environment?.Variables ?? [];
        if (EnvironmentVariableRules.Validate(variables) is { } envError)
        {
            // AWS's code and text, and here (a file the user edits) the key it is about.
            string key = EnvironmentVariableRules.FirstInvalidKey(variables) is { } invalid ? $" (key '{invalid}')" : "";
            Fail($"{EnvironmentVariableRules.ErrorCodeOf(envError)}: {envError}{key}");
        }

        FunctionEventInvokeConfig? eventInvokeConfig = null;
        if (config.EventInvokeConfig is { } eventConfig)
        {
            if (EventInvokeConfigRules.ValidateLimits(eventConfig) is { } limitsError)
            {
                Fail("EventInvokeConfig: ValidationException: " + limitsError.Message);
            }
            // Form only here (whether a destination function exists is checked by Load, once all are known).
            if (EventInvokeConfigRules.ValidateDestinations(name, eventConfig.DestinationConfig?.OnSuccess?.Destination,
                    eventConfig.DestinationConfig?.OnFailure?.Destination, region, accountId, _ => true) is { } destinationError)
            {
                Fail("EventInvokeConfig: InvalidParameterValueException: " + destinationError.Message);
            }
            // The file's modification time, so LastModified stays put across restarts until the file changes.
            eventInvokeConfig = FunctionEventInvokeConfig.FromPut(eventConfig, new DateTimeOffset(File.GetLastWriteTimeUtc(origin), TimeSpan.Zero));
        }
        var deadLetterTarget = config.DeadLetterConfig?.TargetArn is { Length: > 0 } target ? target : null;
        if (deadLetterTarget is not null && EventInvokeConfigRules.ValidateDeadLetterTarget(deadLetterTarget, region, accountId) is { } deadLetterError)
        {
            Fail("DeadLetterConfig: InvalidParameterValueException: " + deadLetterError);
        }

        System.Collections.Immutable.ImmutableArray<Layers.FunctionLayer> boundLayers = [];
        string? layersDirectory = null;
        if (config.Layers is { Count: > 0 } layerArns)
        {
            if (layers is null)
            {
                Fail("Layers: this gateway was started without its layer store.");
            }
            else if (layers(layerArns, code, out boundLayers, out layersDirectory) is { } layersError)
            {
                Fail("Layers: " + layersError);
            }
        }

        var loggingErrors = new Management.ValidationErrors();
        Management.LoggingRules.Check(config.LoggingConfig, loggingErrors);
        var logging = Management.LoggingRules.Apply(FunctionLogging.Default, config.LoggingConfig, out var levelsError);
        if ((loggingErrors.ToError() ?? levelsError) is { } loggingError)
        {
            Fail($"LoggingConfig: {loggingError.ErrorType}: {loggingError.Message}");
        }

        return new FunctionDefinition
        {
            Name = name,
            Layers = boundLayers,
            LayersDirectory = layersDirectory,
            Arn = $"arn:aws:lambda:{region}:{accountId}:function:{name}",
            CodeDirectory = code,
            Bootstrap = bootstrap,
            Handler = config.Handler ?? "",
            Runtime = runtime,
            MemorySizeMb = memory,
            EphemeralStorageMb = ephemeralStorage,
            TimeoutSeconds = timeout,
            Environment = variables,
            EnvironmentGiven = config.Environment is not null,
            ProvisionedEnvironments = provisioned,
            MaxEnvironments = max,
            ReservedConcurrentExecutions = config.ReservedConcurrentExecutions,
            Description = config.Description ?? "",
            EventInvokeConfig = eventInvokeConfig,
            DeadLetterTargetArn = deadLetterTarget,
            Logging = logging,
        };
    }

    private static T Parse<T>(string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), type) ?? throw new FunctionConfigurationException($"{file}: empty.");
        }
        catch (JsonException ex)
        {
            throw new FunctionConfigurationException($"{file}: not valid JSON: {ex.Message}");
        }
    }
}
