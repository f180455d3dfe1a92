namespace Gateway.Extensions;

/// <summary>
/// The extensions of one execution environment and where each is in Lambda's lifecycle: registration during init
/// (external ones, the files of <c>/opt/extensions</c>, before the runtime starts; internal ones, registered by the
/// runtime's process, before its first /next), readiness (init ends when the runtime and every extension wait in
/// their /next), an INVOKE event to each subscriber when an invocation begins (the environment takes the next
/// invocation only once each is back in /next), SHUTDOWN when the environment ends, and the first fatal error
/// (an extension that exits, or reports /init/error or /exit/error).
/// </summary>
/// <remarks>
/// The rules and messages are RAPID's (AWS's runtime, published as aws-lambda-runtime-interface-emulator:
/// rapi/handler/agent*.go, core/externalagent_states.go, rapid/handlers.go), see docs in
/// <see cref="ExtensionReplies"/>. Thread-safe with its own lock; the environment calls in (possibly under its own
/// lock: the order is always environment, then this) and this never calls out, so the two cannot deadlock. A parked
/// /event/next is a task its connection awaits; completing it sends the event.
/// </remarks>
internal sealed class ExtensionSet
{
    /// <summary>AWS's limit on extensions per function, external and internal together (core.MaxAgentsAllowed).</summary>
    public const int MaxExtensions = 10;

    private readonly object _lock = new();
    private string[] _externalNames = [];
    private readonly FunctionIdentity _function;
    private readonly List<Extension> _registered = [];
    private readonly TaskCompletionSource _externalsRegistered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _initReady;
    private TaskCompletionSource? _shutdownDone;
    private bool _shuttingDown;
    private bool _registrationClosed;
    private bool _ended;
    private volatile bool _initDone;
    private int _invokeOutstanding;
    private int _invokeSubscribers;
    private string? _fatalType;

    public ExtensionSet(FunctionIdentity function) => _function = function;

    /// <summary>The external extensions the environment launches (file names, sorted): set once, before the environment's
    /// Runtime API accepts a call.</summary>
    public void Launching(string[] externalNames)
    {
        lock (_lock)
        {
            _externalNames = externalNames;
            if (externalNames.Length == 0)
            {
                _externalsRegistered.TrySetResult();
            }
        }
    }

    /// <summary>What /register answers with.</summary>
    internal readonly record struct FunctionIdentity(string Name, string Version, string Handler, string AccountId);

    /// <summary>The runtime's first /next found every registered extension ready (or none registered): init is done.
    /// Read without the lock on every /next.</summary>
    public bool InitDone => _initDone;

    /// <summary>The environment's shutdown has begun (<see cref="BeginShutdown"/>, <see cref="Shutdown"/>) and it has not
    /// ended yet: the extensions still talk to the gateway, after the runtime's exit too.</summary>
    public bool ShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown && !_ended;
            }
        }
    }

    /// <summary>An extension (internal or external) has registered: its process and its registration would outlive a
    /// respawned runtime, so an environment with one does not retry a failed init (ExecutionEnvironment.MayRetryInitLocked).</summary>
    public bool AnyRegistered
    {
        get
        {
            lock (_lock)
            {
                return _registered.Count > 0;
            }
        }
    }

    /// <summary>No INVOKE subscriber is still working on the last invocation.</summary>
    public bool Idle => Volatile.Read(ref _invokeOutstanding) == 0;

    /// <summary>Completes when every external extension has registered (the runtime may then start), or the environment ended.</summary>
    public Task ExternalsRegistered => _externalsRegistered.Task;

    /// <summary>POST /register.</summary>
    public byte[] Register(string? name, string? acceptFeature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(name))
        {
            return ExtensionReplies.Forbidden("Extension.InvalidExtensionName", "Empty extension name");
        }
        var request = RegisterRequest.Parse(body);
        if (request.Error is { } error)
        {
            return ExtensionReplies.Forbidden("InvalidRequestFormat", error);
        }
        bool external = Array.IndexOf(_externalNames, name) >= 0;
        bool invoke = false, shutdown = false;
        foreach (var e in request.Events)
        {
            if (e == "INVOKE")
            {
                invoke = true;
            }
            else if (e == "SHUTDOWN" && external)
            {
                shutdown = true;
            }
            else
            {
                return ExtensionReplies.Forbidden("Extension.InvalidEventType",
                    e == "SHUTDOWN" ? "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension" : e + ": ErrorInvalidEventType");
            }
        }
        bool accountId = acceptFeature is not null && acceptFeature.Split(',').Any(static f => f.Trim() == "accountId");
        lock (_lock)
        {
            var existing = _registered.Find(x => x.Name == name);
            if (external)
            {
                if (existing is not null)
                {
                    return ExtensionReplies.Forbidden("Extension.InvalidExtensionState",
                        $"State transition from {existing.State} to Registered failed for extension {name}. Error: State transition is not allowed");
                }
            }
            else
            {
                // An internal extension: registered from the runtime's process while its init runs.
                if (_registrationClosed || _ended)
                {
                    return ExtensionReplies.Forbidden("Extension.RegistrationClosed", "Extension registration closed already");
                }
                if (_externalNames.Length + _registered.Count(static x => !x.External) >= MaxExtensions)
                {
                    return ExtensionReplies.Forbidden("Extension.TooManyExtensions", $"Extension limit ({MaxExtensions}) reached");
                }
                if (existing is not null)
                {
                    return ExtensionReplies.Forbidden("Extension.InvalidExtensionState", "Extension with this name already registered");
                }
            }
            var extension = new Extension(Guid.NewGuid().ToString("D"), name, external, invoke, shutdown);
            _registered.Add(extension);
            if (invoke)
            {
                Interlocked.Increment(ref _invokeSubscribers);
            }
            if (external && _registered.Count(static x => x.External) == _externalNames.Length)
            {
                _externalsRegistered.TrySetResult();
            }
            return ExtensionReplies.Registered(extension.Id, _function.Name, _function.Version, _function.Handler, accountId ? _function.AccountId : null);
        }
    }

    /// <summary>GET /event/next: the task completes with the event to send (or a refusal, at once). <paramref name="becameIdle"/>:
    /// this was the last INVOKE subscriber to come back, so the environment may take the next invocation.</summary>
    public Task<byte[]> Next(string? identifier, out bool becameIdle)
    {
        becameIdle = false;
        if (Refuse(identifier, out var extension, "Unknown extension " + identifier) is { } refusal)
        {
            return Task.FromResult(refusal);
        }
        lock (_lock)
        {
            switch (extension!.State)
            {
                case ExtensionState.Registered:
                    extension.State = ExtensionState.Ready; // init's readiness
                    if (_initReady is not null && AllReadyLocked())
                    {
                        _initDone = true;
                        _initReady.TrySetResult();
                    }
                    break;
                case ExtensionState.Running:
                    extension.State = ExtensionState.Ready; // done with its event
                    if (extension.Invoke && extension.HoldsInvocation)
                    {
                        extension.HoldsInvocation = false;
                        becameIdle = Interlocked.Decrement(ref _invokeOutstanding) == 0;
                    }
                    break;
                default:
                    return Task.FromResult(ExtensionReplies.Forbidden("Extension.InvalidExtensionState",
                        $"State transition from {extension.State} to Ready failed for extension {extension.Id}. Error: State transition is not allowed"));
            }
            if (extension.PendingShutdown is { } shutdownEvent)
            {
                // The environment began to shut down while this one worked on an INVOKE: its SHUTDOWN is due now.
                extension.PendingShutdown = null;
                extension.State = ExtensionState.Running;
                return Task.FromResult(shutdownEvent);
            }
            extension.Waiting = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_ended)
            {
                extension.Waiting.TrySetResult(ExtensionReplies.Forbidden("Extension.InvalidExtensionState", "Environment is shutting down"));
            }
            return extension.Waiting.Task;
        }
    }

    /// <summary>POST /init/error (<paramref name="exit"/> false) or /exit/error: recorded as the environment's first
    /// fatal error (Extension.InitError, Extension.ExitError), which becomes the failure once the extension exits.</summary>
    public byte[] ReportError(string? identifier, string? functionErrorType, bool exit)
    {
        if (identifier is not null && Guid.TryParse(identifier, out _) && functionErrorType is null)
        {
            return ExtensionReplies.Forbidden("Extension.MissingHeader", "Lambda-Extension-Function-Error-Type not found");
        }
        if (Refuse(identifier, out var extension, "Unknown Lambda-Extension-Identifier") is { } refusal)
        {
            return refusal;
        }
        lock (_lock)
        {
            var target = exit ? ExtensionState.ExitError : ExtensionState.InitError;
            bool allowed = extension!.State == target
                || (exit ? extension.State is ExtensionState.Registered or ExtensionState.Ready or ExtensionState.Running : extension.State == ExtensionState.Registered);
            if (!allowed)
            {
                return ExtensionReplies.Forbidden("Extension.InvalidExtensionState",
                    $"State transition from {extension.State} to {target} failed for extension {extension.Id}. Error: State transition is not allowed");
            }
            if (extension.State != target)
            {
                // A parked /event/next stays parked, as in RAPID: the failure takes effect when the extension exits.
                extension.State = target;
                _fatalType ??= exit ? "Extension.ExitError" : "Extension.InitError";
            }
            return ExtensionReplies.Accepted;
        }
    }

    /// <summary>The runtime's first /next: registration closes, and init is done once every registered extension
    /// waits in its /next (already, or when the last one gets there; or the environment ended).</summary>
    public Task WhenInitReady()
    {
        lock (_lock)
        {
            _registrationClosed = true;
            if (_ended || AllReadyLocked())
            {
                _initDone = true;
                return Task.CompletedTask;
            }
            _initReady ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _initReady.Task;
        }
    }

    /// <summary>An invocation begins: each INVOKE subscriber's /next gets the event, at the moment the runtime gets its own.</summary>
    public void BeginInvoke(Invocations.Invocation invocation)
    {
        if (Volatile.Read(ref _invokeSubscribers) == 0)
        {
            return; // the usual case, on every invocation: no lock
        }
        lock (_lock)
        {
            byte[]? invokeEvent = null;
            foreach (var extension in _registered)
            {
                if (!extension.Invoke || extension.State != ExtensionState.Ready || extension.Waiting is null)
                {
                    continue;
                }
                invokeEvent ??= ExtensionReplies.InvokeEvent(invocation.DeadlineUnixMs, invocation.RequestId, invocation.InvokedFunctionArn, invocation.TraceId);
                extension.State = ExtensionState.Running;
                extension.HoldsInvocation = true;
                Interlocked.Increment(ref _invokeOutstanding);
                var waiting = extension.Waiting;
                extension.Waiting = null;
                waiting.TrySetResult(invokeEvent);
            }
        }
    }

    /// <summary>An extension process exited (the launcher reports it). Outside a shutdown that is the environment's
    /// failure: returns its error type (the first fatal error reported, else Extension.Crash); null during a shutdown.</summary>
    public string? Exited(string name)
    {
        lock (_lock)
        {
            var extension = _registered.Find(x => x.Name == name && x.External);
            if (extension is not null)
            {
                extension.State = ExtensionState.Exited;
                extension.Waiting?.TrySetResult(ExtensionReplies.Forbidden("Extension.InvalidExtensionState", "Extension exited"));
                extension.Waiting = null;
                if (extension.HoldsInvocation)
                {
                    extension.HoldsInvocation = false;
                    Interlocked.Decrement(ref _invokeOutstanding);
                }
            }
            if (_shuttingDown)
            {
                // RAPID ignores exits once it shuts down (rapid/handlers.go watchEvents: "If we are not shutting down then
                // we care if an unexpected exit happens"), also while the runtime has its SIGTERM, before SHUTDOWN.
                if (_shutdownDone is not null && !_registered.Any(static x => x.Shutdown && x.State != ExtensionState.Exited))
                {
                    _shutdownDone.TrySetResult();
                }
                return null;
            }
            return _fatalType ?? "Extension.Crash";
        }
    }

    /// <summary>The launcher could not execute an extension's file (not executable): Extension.LaunchError, as RAPID
    /// reports an exec failure; null during a shutdown.</summary>
    public string? FailedToLaunch(string name)
    {
        lock (_lock)
        {
            return _shuttingDown ? null : _fatalType ?? "Extension.LaunchError";
        }
    }

    /// <summary>
    /// The environment begins to shut down: from now on an extension's exit is not a failure. Returns which extensions
    /// are registered, which decides the shutdown (RAPID, rapid/shutdown.go: "We do not spend any compute time on runtime
    /// graceful shutdown if there are no agents", counting internal and external ones alike, CountAgents).
    /// </summary>
    public RegisteredExtensions BeginShutdown()
    {
        lock (_lock)
        {
            if (_registered.Count == 0)
            {
                return RegisteredExtensions.None;
            }
            _shuttingDown = true;
            return _registered.Exists(static x => x.External) ? RegisteredExtensions.External : RegisteredExtensions.InternalOnly;
        }
    }

    /// <summary>The environment is ending normally (<paramref name="reason"/>: spindown or timeout): each SHUTDOWN
    /// subscriber gets the event; completes when all of them have exited. Null when none subscribed (the environment
    /// is then killed at once, as AWS kills a runtime without extensions).</summary>
    public Task? Shutdown(string reason, long deadlineUnixMs)
    {
        lock (_lock)
        {
            if (_shutdownDone is not null)
            {
                return _shutdownDone.Task;
            }
            _shuttingDown = true;
            var subscribers = _registered.Where(static x => x.Shutdown && x.State != ExtensionState.Exited).ToList();
            if (subscribers.Count == 0)
            {
                return null;
            }
            _shutdownDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var shutdownEvent = ExtensionReplies.ShutdownEvent(deadlineUnixMs, reason);
            foreach (var extension in subscribers)
            {
                // One parked in /next gets it now; one still working on an INVOKE gets it at its next /next.
                if (extension.Waiting is { } waiting)
                {
                    extension.Waiting = null;
                    extension.State = ExtensionState.Running;
                    waiting.TrySetResult(shutdownEvent);
                }
                else
                {
                    extension.PendingShutdown = shutdownEvent;
                }
            }
            return _shutdownDone.Task;
        }
    }

    /// <summary>The environment is gone: nothing waits any more (the launcher, the runtime's first /next, parked /next calls).</summary>
    public void End()
    {
        lock (_lock)
        {
            _ended = true;
            _initDone = true;
            _externalsRegistered.TrySetResult();
            _initReady?.TrySetResult();
            _shutdownDone?.TrySetResult();
            foreach (var extension in _registered)
            {
                extension.Waiting?.TrySetResult(ExtensionReplies.Forbidden("Extension.InvalidExtensionState", "Environment is shutting down"));
                extension.Waiting = null;
            }
        }
    }

    /// <summary>The EXTENSION lines at the end of init (<c>Name: … State: Ready Events: [INVOKE,SHUTDOWN]</c>), one per extension.</summary>
    public List<(string Name, string State, string[] Events)> Describe()
    {
        lock (_lock)
        {
            return _registered.Select(static x => (x.Name, x.State == ExtensionState.Ready ? "Ready" : x.State.ToString(), x.Events)).ToList();
        }
    }

    /// <summary>The registered extension <paramref name="identifier"/> names (for the Telemetry API), or the refusal:
    /// RAPID's 403s for a missing, malformed or unknown identifier.</summary>
    public byte[]? Identify(string? identifier, out string name)
    {
        var refusal = Refuse(identifier, out var extension, $"Unknown extension {identifier}");
        name = extension?.Name ?? "";
        return refusal;
    }

    private byte[]? Refuse(string? identifier, out Extension? extension, string unknownMessage)
    {
        extension = null;
        if (string.IsNullOrEmpty(identifier))
        {
            return ExtensionReplies.Forbidden("Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header");
        }
        if (!Guid.TryParse(identifier, out _))
        {
            return ExtensionReplies.Forbidden("Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier");
        }
        lock (_lock)
        {
            extension = _registered.Find(x => string.Equals(x.Id, identifier, StringComparison.OrdinalIgnoreCase));
        }
        return extension is null ? ExtensionReplies.Forbidden("Extension.UnknownExtensionIdentifier", unknownMessage) : null;
    }

    private bool AllReadyLocked() => _registered.TrueForAll(static x => x.State == ExtensionState.Ready);

    private enum ExtensionState
    {
        Registered,
        Ready,
        Running,
        InitError,
        ExitError,
        Exited,
    }

    private sealed class Extension(string id, string name, bool external, bool invoke, bool shutdown)
    {
        public string Id { get; } = id;
        public string Name { get; } = name;
        public bool External { get; } = external;
        public bool Invoke { get; } = invoke;
        public bool Shutdown { get; } = shutdown;
        public string[] Events { get; } = [.. (invoke ? new[] { "INVOKE" } : []), .. (shutdown ? new[] { "SHUTDOWN" } : [])];
        public ExtensionState State { get; set; }
        public bool HoldsInvocation { get; set; }
        public TaskCompletionSource<byte[]>? Waiting { get; set; }
        public byte[]? PendingShutdown { get; set; }
    }
}
