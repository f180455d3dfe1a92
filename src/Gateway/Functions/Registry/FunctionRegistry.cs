namespace Gateway.Functions.Registry;

/// <summary>
/// The current <see cref="RegistrySnapshot"/> and the one way to change it. Reads are a volatile read (the invoke
/// path). Changes are serialised: each sees the latest snapshot, is persisted, is applied to the running host
/// (<see cref="IRegistryListener"/>: pools for new versions exist before any reader can resolve them) and is then
/// published.
/// </summary>
internal sealed class FunctionRegistry
{
    private readonly Lock _writer = new();
    private readonly IRegistryStore? _store;
    private readonly List<IRegistryListener> _listeners = [];
    private RegistrySnapshot _current;

    /// <param name="initial">The functions at start (the functions file merged with what the store kept).</param>
    /// <param name="store">Where changes persist; null keeps them in memory (unit tests).</param>
    public FunctionRegistry(RegistrySnapshot initial, IRegistryStore? store)
    {
        _current = initial;
        _store = store;
    }

    /// <summary>The snapshot to read: lock-free, allocation-free.</summary>
    public RegistrySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Told of every change (in order, under the writer lock) before readers see it.</summary>
    public void Subscribe(IRegistryListener listener)
    {
        lock (_writer)
        {
            _listeners.Add(listener);
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> on the latest snapshot. It returns the next snapshot (or the same one to change
    /// nothing, e.g. for a refusal) and a result for the caller. A new snapshot is persisted (only the functions that
    /// differ), applied to the listeners, then published.
    /// </summary>
    /// <exception cref="RegistryStoreException">The store could not write: nothing changed.</exception>
    public T Change<T>(Func<RegistrySnapshot, (RegistrySnapshot Next, T Result)> change)
    {
        lock (_writer)
        {
            for (int attempt = 1; ; attempt++)
            {
                var previous = _current;
                var (next, result) = change(previous);
                if (ReferenceEquals(next, previous))
                {
                    return result;
                }
                next = MarkChangedAsApi(previous, next);
                try
                {
                    _store?.Save(previous, next);
                }
                catch (RegistryConflictException conflict) when (attempt < MaxConflictAttempts)
                {
                    // A shared store (several nodes) took another node's change first: catch up to it, then compute this
                    // change again on the newer snapshot — its checks (names, RevisionIds, limits) run again, as if the
                    // two requests had reached one node one after the other.
                    ApplyLocked(previous, conflict.CatchUp(previous));
                    continue;
                }
                ApplyLocked(previous, next);
                return result;
            }
        }
    }

    /// <summary>How often one change is computed again after losing a race to another node before it is refused
    /// (<see cref="RegistryConflictException"/>: Lambda's ResourceConflictException).</summary>
    public const int MaxConflictAttempts = 5;

    /// <summary>
    /// Applies a change another node already made durable (the shared registry in cluster mode): to the listeners, then
    /// published, exactly as a local change — but not saved again. <paramref name="change"/> runs under the writer lock
    /// on the latest snapshot and returns null (or it) to change nothing.
    /// </summary>
    public bool ApplyExternal(Func<RegistrySnapshot, RegistrySnapshot?> change)
    {
        lock (_writer)
        {
            var previous = _current;
            var next = change(previous);
            if (next is null || ReferenceEquals(next, previous))
            {
                return false;
            }
            ApplyLocked(previous, next);
            return true;
        }
    }

    private void ApplyLocked(RegistrySnapshot previous, RegistrySnapshot next)
    {
        if (ReferenceEquals(previous, next))
        {
            return;
        }
        foreach (var listener in _listeners)
        {
            listener.Apply(previous, next);
        }
        Volatile.Write(ref _current, next);
    }

    /// <summary>The precedence rule: a function changed through the API is the API's from now on (persisted, and no
    /// longer overridden by the functions file at the next start).</summary>
    private static RegistrySnapshot MarkChangedAsApi(RegistrySnapshot previous, RegistrySnapshot next)
    {
        bool any = false;
        var records = new List<FunctionRecord>(next.Count);
        foreach (var record in next.All)
        {
            bool changed = !previous.TryGet(record.Name, out var before) || !ReferenceEquals(before, record);
            if (changed && record.Origin == FunctionOrigin.File)
            {
                records.Add(record with { Origin = FunctionOrigin.Api });
                any = true;
            }
            else
            {
                records.Add(record);
            }
        }
        return any ? new RegistrySnapshot(next.Revision, records) : next;
    }
}

/// <summary>Something that follows the registry (the function host: pools per version, admission settings).</summary>
internal interface IRegistryListener
{
    /// <summary>Called under the registry's writer lock, before <paramref name="next"/> is published. Must not call
    /// back into <see cref="FunctionRegistry.Change{T}"/>.</summary>
    void Apply(RegistrySnapshot previous, RegistrySnapshot next);
}

/// <summary>Where the registry persists (SQLite in the data folder), so API changes survive restarts.</summary>
internal interface IRegistryStore
{
    /// <summary>What the API changed in earlier runs: live records (Origin = Api) and the names of file-seeded functions
    /// the API deleted (which stay deleted across restarts).</summary>
    PersistedRegistry Load();

    /// <summary>Writes the difference: records of <paramref name="next"/> that are not reference-equal to those of
    /// <paramref name="previous"/> (only Origin = Api ones), and deletions. Durable when it returns.</summary>
    void Save(RegistrySnapshot previous, RegistrySnapshot next);
}

internal sealed record PersistedRegistry(IReadOnlyList<FunctionRecord> Functions, IReadOnlySet<string> DeletedFileFunctions);

internal class RegistryStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A shared store refused a save because another node committed a change first. <see cref="CatchUp"/> turns the
/// snapshot the change was computed on into the store's newer one (run under the writer lock); the registry applies
/// it and computes the change again. Past <see cref="FunctionRegistry.MaxConflictAttempts"/> the management API
/// answers Lambda's ResourceConflictException with <see cref="Exception.Message"/>.
/// </summary>
internal sealed class RegistryConflictException(string message, Func<RegistrySnapshot, RegistrySnapshot> catchUp) : RegistryStoreException(message)
{
    public Func<RegistrySnapshot, RegistrySnapshot> CatchUp { get; } = catchUp;
}
