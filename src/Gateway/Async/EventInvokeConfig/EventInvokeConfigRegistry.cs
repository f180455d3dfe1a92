using Gateway.Functions;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// Per function: its FunctionEventInvokeConfig (or none) and its DeadLetterConfig target, and the
/// <see cref="AsyncInvokeSettings"/> the Event queue applies. <see cref="Effective"/> is one dictionary lookup
/// and one volatile read (called per event); changes build a new immutable settings object and swap it in.
/// <para>
/// Where a config comes from (precedence): the functions file gives each function's initial config; a
/// change through the API (Put, Update, Delete) is persisted in <c>{DataDirectory}/event-invoke-config.json</c>
/// and from then on wins over the file for that function, across restarts — a Delete too (the file's config
/// does not come back). Remove the function's entry from that file to go back to the functions file.
/// </para>
/// </summary>
internal sealed class EventInvokeConfigRegistry
{
    private const string Latest = "$LATEST";

    /// <summary>One function's state, replaced whole (never mutated) so readers need no lock.</summary>
    private sealed record State(FunctionEventInvokeConfig? Config, AsyncInvokeSettings Settings, bool SetByApi);

    private sealed class Entry(string name, string? deadLetterTargetArn)
    {
        private volatile State _state = new(null, AsyncInvokeSettings.Default with { DeadLetterTargetArn = deadLetterTargetArn }, false);

        public string Name { get; } = name;

        public string? DeadLetterTargetArn { get; } = deadLetterTargetArn;

        public State Current => _state;

        /// <summary>Under the registry's lock (or before the registry is shared).</summary>
        public void Apply(FunctionEventInvokeConfig? config, bool setByApi)
            => _state = new State(
                config,
                config is null ? AsyncInvokeSettings.Default with { DeadLetterTargetArn = DeadLetterTargetArn } : config.ToSettings(DeadLetterTargetArn),
                setByApi);
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Persisted entries of functions not registered in this run, written back unchanged.</summary>
    private readonly List<PersistedEventInvokeConfig> _unregistered = [];
    private readonly Lock _gate = new();
    private readonly EventInvokeConfigStore? _store;
    private readonly TimeProvider _time;

    /// <param name="functions">The registered functions, with their functions-file config.</param>
    /// <param name="store">Where API changes persist; null keeps them in memory only (unit tests).</param>
    /// <param name="log">Startup notes (which functions the persisted state overrides).</param>
    public EventInvokeConfigRegistry(IEnumerable<FunctionDefinition> functions, string region, string accountId, EventInvokeConfigStore? store, TimeProvider time, Action<string>? log = null)
    {
        Region = region;
        AccountId = accountId;
        _store = store;
        _time = time;
        foreach (var function in functions)
        {
            var entry = new Entry(function.Name, function.DeadLetterTargetArn);
            entry.Apply(function.EventInvokeConfig, setByApi: false);
            _entries.Add(function.Name, entry);
        }
        if (store is null)
        {
            return;
        }
        foreach (var persisted in store.Load())
        {
            if (!_entries.TryGetValue(persisted.FunctionName, out var entry))
            {
                _unregistered.Add(persisted);
                continue;
            }
            var config = persisted.Deleted ? null : FromPersisted(persisted, store.Path);
            if (entry.Current.Config is not null || config is not null)
            {
                log?.Invoke($"{entry.Name}: event-invoke-config {(config is null ? "deleted" : "set")} through the API ({store.Path}) overrides the functions file");
            }
            entry.Apply(config, setByApi: true);
        }
    }

    public string Region { get; }

    public string AccountId { get; }

    public bool Contains(string functionName) => _entries.ContainsKey(functionName);

    /// <summary>The settings for <paramref name="functionName"/>'s next Event attempt: AWS's defaults when nothing
    /// is configured (or the function is unknown). Lock-free.</summary>
    public AsyncInvokeSettings Effective(string functionName)
        => _entries.TryGetValue(functionName, out var entry) ? entry.Current.Settings : AsyncInvokeSettings.Default;

    /// <summary>The function's config, or null when it has none (or is unknown).</summary>
    public FunctionEventInvokeConfig? Get(string functionName)
        => _entries.TryGetValue(functionName, out var entry) ? entry.Current.Config : null;

    /// <summary><c>arn:aws:lambda:{region}:{account}:function:{name}:$LATEST</c>, as FunctionEventInvokeConfig names it.</summary>
    public string QualifiedArn(string functionName, string? qualifier = null)
        => $"arn:aws:lambda:{Region}:{AccountId}:function:{functionName}:{qualifier ?? Latest}";

    /// <summary>AWS's 404 for Get and Delete when there is no config (or no such function).</summary>
    public ConfigError NoConfig(string functionName, string? qualifier = null)
        => new(ConfigErrorKind.ResourceNotFound, $"The function {QualifiedArn(functionName, qualifier)} doesn't have an EventInvokeConfig");

    /// <summary>AWS's 404 for Put, Update and List on a function that does not exist.</summary>
    public static ConfigError NoFunction => new(ConfigErrorKind.ResourceNotFound, "The function doesn't exist.");

    /// <summary>PutFunctionEventInvokeConfig: replaces the whole config (what the document leaves out is unset).</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Put(string functionName, EventInvokeConfigDocument document, out FunctionEventInvokeConfig? config)
    {
        config = null;
        if (Check(functionName, document, out var entry) is { } error)
        {
            return error;
        }
        lock (_gate)
        {
            config = FunctionEventInvokeConfig.FromPut(document, _time.GetUtcNow());
            Commit(entry!, config);
        }
        return null;
    }

    /// <summary>UpdateFunctionEventInvokeConfig: changes only what the document names; 404 when there is no config.</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Update(string functionName, EventInvokeConfigDocument document, out FunctionEventInvokeConfig? config)
    {
        config = null;
        if (Check(functionName, document, out var entry) is { } error)
        {
            return error;
        }
        lock (_gate)
        {
            if (entry!.Current.Config is not { } existing)
            {
                return NoConfig(functionName);
            }
            config = existing.Merge(document, _time.GetUtcNow());
            Commit(entry, config);
        }
        return null;
    }

    /// <summary>DeleteFunctionEventInvokeConfig: back to AWS's defaults (the dead-letter queue stays).</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Delete(string functionName)
    {
        if (!_entries.TryGetValue(functionName, out var entry))
        {
            return NoConfig(functionName);
        }
        lock (_gate)
        {
            if (entry.Current.Config is null)
            {
                return NoConfig(functionName);
            }
            Commit(entry, null);
        }
        return null;
    }

    /// <summary>The checks shared by Put and Update, in AWS's order: model constraints, something set, the
    /// function, its destinations.</summary>
    private ConfigError? Check(string functionName, EventInvokeConfigDocument document, out Entry? entry)
    {
        entry = null;
        if (EventInvokeConfigRules.ValidateLimits(document) is { } limits)
        {
            return limits;
        }
        if (EventInvokeConfigRules.ValidateNotEmpty(document) is { } empty)
        {
            return empty;
        }
        if (!_entries.TryGetValue(functionName, out entry))
        {
            return NoFunction;
        }
        return EventInvokeConfigRules.ValidateDestinations(functionName, document.DestinationConfig?.OnSuccess?.Destination,
            document.DestinationConfig?.OnFailure?.Destination, Region, AccountId, Contains);
    }

    /// <summary>Persists the new state first, then swaps it in: a failed write changes nothing. Under the lock.</summary>
    private void Commit(Entry entry, FunctionEventInvokeConfig? config)
    {
        if (_store is not null)
        {
            var entries = new List<PersistedEventInvokeConfig>(_unregistered);
            foreach (var other in _entries.Values)
            {
                if (other == entry)
                {
                    entries.Add(ToPersisted(entry.Name, config));
                }
                else if (other.Current is { SetByApi: true } state)
                {
                    entries.Add(ToPersisted(other.Name, state.Config));
                }
            }
            _store.Save(entries);
        }
        entry.Apply(config, setByApi: true);
    }

    private PersistedEventInvokeConfig ToPersisted(string name, FunctionEventInvokeConfig? config) => config is null
        ? new PersistedEventInvokeConfig { FunctionName = name, Deleted = true, LastModified = _time.GetUtcNow() }
        : new PersistedEventInvokeConfig
        {
            FunctionName = name,
            MaximumRetryAttempts = config.MaximumRetryAttempts,
            MaximumEventAgeInSeconds = config.MaximumEventAgeInSeconds,
            OnSuccess = config.OnSuccess,
            OnFailure = config.OnFailure,
            LastModified = config.LastModified,
        };

    /// <summary>A persisted entry passes the same checks as the API (the file may have been edited by hand). A
    /// function destination is only checked for form: its function may have left the functions file since.</summary>
    private FunctionEventInvokeConfig FromPersisted(PersistedEventInvokeConfig persisted, string origin)
    {
        var document = new EventInvokeConfigDocument
        {
            MaximumRetryAttempts = persisted.MaximumRetryAttempts,
            MaximumEventAgeInSeconds = persisted.MaximumEventAgeInSeconds,
            DestinationConfig = new DestinationConfigDocument
            {
                OnSuccess = new DestinationDocument { Destination = persisted.OnSuccess },
                OnFailure = new DestinationDocument { Destination = persisted.OnFailure },
            },
        };
        var error = EventInvokeConfigRules.ValidateLimits(document)
            ?? EventInvokeConfigRules.ValidateDestinations(persisted.FunctionName, persisted.OnSuccess, persisted.OnFailure, Region, AccountId, _ => true);
        if (error is { } e)
        {
            throw new FunctionConfigurationException($"{origin}: function '{persisted.FunctionName}': {e.Message} Fix or delete this entry.");
        }
        return new FunctionEventInvokeConfig(persisted.MaximumRetryAttempts, persisted.MaximumEventAgeInSeconds,
            FunctionEventInvokeConfig.Normalize(persisted.OnSuccess), FunctionEventInvokeConfig.Normalize(persisted.OnFailure), persisted.LastModified);
    }
}
