using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// Per function and qualifier (a version, an alias or <c>$LATEST</c>; an unqualified name is <c>$LATEST</c>, as on
/// AWS): its FunctionEventInvokeConfig (or none), and the <see cref="AsyncInvokeSettings"/> the Event queue applies
/// with the DeadLetterConfig target of the version the event runs on. <see cref="Effective(string, string?)"/> is one
/// dictionary lookup on a volatile reference and one dead-letter lookup (called per event; it allocates only when the
/// dead-letter target differs from the one the stored settings carry); a change builds a new dictionary and swaps it in.
/// <para>
/// Where a config comes from (precedence): the functions file gives each function's initial <c>$LATEST</c> config; a
/// change through the API (Put, Update, Delete) is persisted in <c>{DataDirectory}/event-invoke-config.json</c>
/// and from then on wins over the file for that function and qualifier, across restarts — a Delete too (the file's
/// config does not come back). Remove the entry from that file to go back to the functions file.
/// </para>
/// </summary>
internal sealed class EventInvokeConfigRegistry : IRegistryListener
{
    /// <summary>One qualifier's state, replaced whole (never mutated) so readers need no lock.</summary>
    private sealed record State(FunctionEventInvokeConfig? Config, AsyncInvokeSettings Settings, bool SetByApi);

    /// <summary>(function, qualifier) → state; replaced whole under <see cref="_gate"/>, read without a lock.</summary>
    private volatile Dictionary<(string Function, string Qualifier), State> _states = [];

    /// <summary>Per function with a DeadLetterConfig in the functions file: AWS's defaults with that target (so a lookup
    /// of a function whose target never changed allocates nothing).</summary>
    private readonly Dictionary<string, AsyncInvokeSettings> _defaults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _deadLetters = new(StringComparer.Ordinal);

    /// <summary>The DeadLetterConfig target of (function, qualifier) as it is now: UpdateFunctionConfiguration changes
    /// it, and each version keeps its own, as on AWS.</summary>
    private readonly Func<string, string, string?> _deadLetterOf;

    /// <summary>Persisted entries of functions that do not exist in this run, written back unchanged.</summary>
    private readonly List<PersistedEventInvokeConfig> _unregistered = [];
    private readonly Lock _gate = new();
    private readonly EventInvokeConfigStore? _store;
    private readonly TimeProvider _time;
    private readonly Func<string, bool> _functionExists;

    /// <summary>The registry state the last <see cref="Apply"/> saw (null until the first change): see <see cref="StillExists"/>.</summary>
    private RegistrySnapshot? _seen;

    /// <param name="functions">The functions of the functions file, with their initial config and dead-letter queue.</param>
    /// <param name="store">Where API changes persist; null keeps them in memory only (unit tests).</param>
    /// <param name="log">Startup notes (which functions the persisted state overrides).</param>
    /// <param name="functionExists">Whether a function exists now (the function registry); default: the names in
    /// <paramref name="functions"/>.</param>
    /// <param name="deadLetterOf">The dead-letter target of (function, qualifier) now (the function registry's
    /// version); default: each function's target in <paramref name="functions"/>.</param>
    public EventInvokeConfigRegistry(IEnumerable<FunctionDefinition> functions, string region, string accountId, EventInvokeConfigStore? store, TimeProvider time,
        Action<string>? log = null, Func<string, bool>? functionExists = null, Func<string, string, string?>? deadLetterOf = null)
    {
        Region = region;
        AccountId = accountId;
        _store = store;
        _time = time;
        var states = new Dictionary<(string, string), State>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in functions)
        {
            names.Add(function.Name);
            _deadLetters[function.Name] = function.DeadLetterTargetArn;
            if (function.DeadLetterTargetArn is not null)
            {
                _defaults[function.Name] = AsyncInvokeSettings.Default with { DeadLetterTargetArn = function.DeadLetterTargetArn };
            }
            if (function.EventInvokeConfig is { } config)
            {
                states[(function.Name, FunctionVersions.Latest)] = NewState(function.Name, config, setByApi: false);
            }
        }
        _functionExists = functionExists ?? names.Contains;
        _deadLetterOf = deadLetterOf ?? ((function, _) => _deadLetters.GetValueOrDefault(function));
        if (store is not null)
        {
            foreach (var persisted in store.Load())
            {
                if (!_functionExists(persisted.FunctionName))
                {
                    _unregistered.Add(persisted);
                    continue;
                }
                var key = (persisted.FunctionName, persisted.Qualifier ?? FunctionVersions.Latest);
                var config = persisted.Deleted ? null : FromPersisted(persisted, store.Path);
                if (states.ContainsKey(key) || config is not null)
                {
                    log?.Invoke($"{persisted.FunctionName}: event-invoke-config {(config is null ? "deleted" : "set")} through the API ({store.Path}) overrides the functions file");
                }
                states[key] = NewState(persisted.FunctionName, config, setByApi: true);
            }
        }
        _states = states;
    }

    public string Region { get; }

    public string AccountId { get; }

    public bool Contains(string functionName) => _functionExists(functionName);

    /// <summary>The settings for the next Event attempt of <paramref name="functionName"/>'s <c>$LATEST</c>.</summary>
    public AsyncInvokeSettings Effective(string functionName) => Effective(functionName, null);

    /// <summary>The settings for the next Event attempt of the function as invoked (<paramref name="qualifier"/>: the
    /// version or alias named, null for an unqualified name): AWS's defaults when nothing is configured for it (or the
    /// function is unknown), with the dead-letter target of that version as it is now. Lock-free.</summary>
    public AsyncInvokeSettings Effective(string functionName, string? qualifier)
    {
        string key = qualifier ?? FunctionVersions.Latest;
        var settings = _states.TryGetValue((functionName, key), out var state)
            ? state.Settings
            : _defaults.TryGetValue(functionName, out var defaults) ? defaults : AsyncInvokeSettings.Default;
        string? deadLetter = _deadLetterOf(functionName, key);
        return deadLetter == settings.DeadLetterTargetArn ? settings : settings with { DeadLetterTargetArn = deadLetter };
    }

    /// <summary>The config of the function and qualifier, or null when it has none (or is unknown).</summary>
    public FunctionEventInvokeConfig? Get(string functionName, string? qualifier = null) =>
        _states.TryGetValue((functionName, qualifier ?? FunctionVersions.Latest), out var state) ? state.Config : null;

    /// <summary>Every config of a function, in FunctionArn order (ListFunctionEventInvokeConfigs).</summary>
    public List<(string Qualifier, FunctionEventInvokeConfig Config)> All(string functionName) =>
        _states.Where(pair => pair.Key.Function == functionName && pair.Value.Config is not null)
            .Select(pair => (pair.Key.Qualifier, pair.Value.Config!))
            .OrderBy(pair => QualifiedArn(functionName, pair.Qualifier), StringComparer.Ordinal)
            .ToList();

    /// <summary><c>arn:aws:lambda:{region}:{account}:function:{name}:{qualifier or $LATEST}</c>, as FunctionEventInvokeConfig names it.</summary>
    public string QualifiedArn(string functionName, string? qualifier = null)
        => $"arn:aws:lambda:{Region}:{AccountId}:function:{functionName}:{qualifier ?? FunctionVersions.Latest}";

    /// <summary>AWS's 404 for Get and Delete when there is no config (or no such function, version or alias).</summary>
    public ConfigError NoConfig(string functionName, string? qualifier = null)
        => new(ConfigErrorKind.ResourceNotFound, $"The function {QualifiedArn(functionName, qualifier)} doesn't have an EventInvokeConfig");

    /// <summary>AWS's 404 for Put, Update and List on a function (or version, or alias) that does not exist.</summary>
    public static ConfigError NoFunction => new(ConfigErrorKind.ResourceNotFound, "The function doesn't exist.");

    /// <summary>PutFunctionEventInvokeConfig: replaces the whole config (what the document leaves out is unset).</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Put(string functionName, EventInvokeConfigDocument document, out FunctionEventInvokeConfig? config, string? qualifier = null)
    {
        config = null;
        if (Check(functionName, document) is { } error)
        {
            return error;
        }
        lock (_gate)
        {
            if (!StillExists(functionName, qualifier))
            {
                return NoFunction;
            }
            config = FunctionEventInvokeConfig.FromPut(document, _time.GetUtcNow());
            Commit(functionName, qualifier, config);
        }
        return null;
    }

    /// <summary>UpdateFunctionEventInvokeConfig: changes only what the document names; 404 when there is no config.</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Update(string functionName, EventInvokeConfigDocument document, out FunctionEventInvokeConfig? config, string? qualifier = null)
    {
        config = null;
        if (Check(functionName, document) is { } error)
        {
            return error;
        }
        lock (_gate)
        {
            if (!StillExists(functionName, qualifier))
            {
                return NoFunction;
            }
            if (Get(functionName, qualifier) is not { } existing)
            {
                return NoConfig(functionName, qualifier);
            }
            config = existing.Merge(document, _time.GetUtcNow());
            Commit(functionName, qualifier, config);
        }
        return null;
    }

    /// <summary>DeleteFunctionEventInvokeConfig: back to AWS's defaults (the dead-letter queue stays).</summary>
    /// <exception cref="IOException">The change could not be persisted; nothing changed.</exception>
    public ConfigError? Delete(string functionName, string? qualifier = null)
    {
        lock (_gate)
        {
            if (!_functionExists(functionName) || Get(functionName, qualifier) is null)
            {
                return NoConfig(functionName, qualifier);
            }
            Commit(functionName, qualifier, null);
        }
        return null;
    }

    /// <summary>
    /// Under the function registry's writer lock: a deleted function, version or alias takes its async settings with
    /// it, as the function's other sub-resources (its URL, its policy) go, so a function created again under the
    /// same name starts from AWS's defaults instead of the old destinations and retries. Each becomes a deletion
    /// (persisted, as an API Delete is), which also keeps a functions-file config from coming back at the next start.
    /// </summary>
    public void Apply(RegistrySnapshot previous, RegistrySnapshot next)
    {
        lock (_gate)
        {
            _seen = next;
            var gone = _states.Where(e => !IsDeletion(e.Value) && !Exists(next, e.Key.Function, e.Key.Qualifier)).Select(e => e.Key).ToList();
            if (gone.Count == 0)
            {
                return;
            }
            var states = new Dictionary<(string, string), State>(_states);
            foreach (var key in gone)
            {
                states[key] = NewState(key.Function, null, setByApi: true);
            }
            try
            {
                _store?.Save(Persisted(states));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Must not throw under the registry's lock. In memory the configs are gone all the same; the file
                // keeps them until its next write, and a name created again in between would get them back at the
                // next start.
            }
            _states = states;
        }
    }

    /// <summary>A state that is an API deletion (what Apply leaves for a deleted function).</summary>
    private static bool IsDeletion(State state) => state.Config is null && state.SetByApi;

    /// <summary>Whether the function (and qualifier) exists in the newest registry state this registry has seen. Under
    /// <see cref="_gate"/>: a Put checked against the registry before a concurrent delete's <see cref="Apply"/>
    /// ran is refused here instead of committing a config for a function that is gone.</summary>
    private bool StillExists(string functionName, string? qualifier) =>
        _seen is not { } seen || Exists(seen, functionName, qualifier ?? FunctionVersions.Latest);

    private static bool Exists(RegistrySnapshot functions, string name, string qualifier) =>
        functions.TryGet(name, out var function) && function.HasQualifier(qualifier);

    /// <summary>The checks shared by Put and Update, in AWS's order: model constraints, something set, the
    /// function, its destinations.</summary>
    private ConfigError? Check(string functionName, EventInvokeConfigDocument document)
    {
        if (EventInvokeConfigRules.ValidateLimits(document) is { } limits)
        {
            return limits;
        }
        if (EventInvokeConfigRules.ValidateNotEmpty(document) is { } empty)
        {
            return empty;
        }
        if (!_functionExists(functionName))
        {
            return NoFunction;
        }
        return EventInvokeConfigRules.ValidateDestinations(functionName, document.DestinationConfig?.OnSuccess?.Destination,
            document.DestinationConfig?.OnFailure?.Destination, Region, AccountId, _functionExists);
    }

    /// <summary>Persists the new state first, then swaps it in: a failed write changes nothing. Under the lock.</summary>
    private void Commit(string functionName, string? qualifier, FunctionEventInvokeConfig? config)
    {
        var key = (functionName, qualifier ?? FunctionVersions.Latest);
        var next = new Dictionary<(string, string), State>(_states)
        {
            [key] = NewState(functionName, config, setByApi: true),
        };
        _store?.Save(Persisted(next));
        _states = next;
    }

    /// <summary>What the file keeps: the entries of functions that do not exist in this run, then every API change.</summary>
    private List<PersistedEventInvokeConfig> Persisted(Dictionary<(string Function, string Qualifier), State> states)
    {
        var entries = new List<PersistedEventInvokeConfig>(_unregistered);
        foreach (var ((function, q), state) in states)
        {
            if (state.SetByApi)
            {
                entries.Add(ToPersisted(function, q, state.Config));
            }
        }
        return entries;
    }

    private State NewState(string functionName, FunctionEventInvokeConfig? config, bool setByApi)
    {
        string? deadLetter = _deadLetters.GetValueOrDefault(functionName);
        return new State(config, config is null ? AsyncInvokeSettings.Default with { DeadLetterTargetArn = deadLetter } : config.ToSettings(deadLetter), setByApi);
    }

    /// <summary>The entry as the file keeps it; <c>$LATEST</c> is written without a Qualifier (the file's first form).</summary>
    private PersistedEventInvokeConfig ToPersisted(string name, string qualifier, FunctionEventInvokeConfig? config)
    {
        string? persistedQualifier = qualifier == FunctionVersions.Latest ? null : qualifier;
        return config is null
            ? new PersistedEventInvokeConfig { FunctionName = name, Qualifier = persistedQualifier, Deleted = true, LastModified = _time.GetUtcNow() }
            : new PersistedEventInvokeConfig
            {
                FunctionName = name,
                Qualifier = persistedQualifier,
                MaximumRetryAttempts = config.MaximumRetryAttempts,
                MaximumEventAgeInSeconds = config.MaximumEventAgeInSeconds,
                OnSuccess = config.OnSuccess,
                OnFailure = config.OnFailure,
                LastModified = config.LastModified,
            };
    }

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
