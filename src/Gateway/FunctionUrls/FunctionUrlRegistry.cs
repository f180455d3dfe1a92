using Gateway.Functions.Registry;

namespace Gateway.FunctionUrls;

/// <summary>
/// The current <see cref="FunctionUrlSnapshot"/> and the one way to change it. Changes run inside the function
/// registry's writer (<see cref="FunctionRegistry.Change{T}"/> with no function change), so a URL is never created
/// for a function or alias that a concurrent delete is removing; each is persisted, then published. As a registry
/// listener it drops the URLs of functions and aliases that a change removes (AWS deletes them with them).
/// </summary>
internal sealed class FunctionUrlRegistry : IRegistryListener
{
    private readonly FunctionRegistry _functions;
    private readonly IFunctionUrlStore? _store;
    private readonly Action<string>? _note;
    private FunctionUrlSnapshot _current;

    /// <param name="store">Where URLs persist; null keeps them in memory (unit tests).</param>
    /// <param name="note">Where to say what was dropped at start or could not be deleted from the store.</param>
    public FunctionUrlRegistry(FunctionRegistry functions, IFunctionUrlStore? store, Action<string>? note = null)
    {
        _functions = functions;
        _store = store;
        _note = note;
        var loaded = new FunctionUrlSnapshot(store?.Load() ?? []);
        // URLs whose function or alias went away while the gateway was down (removed from the functions file, or a
        // delete whose URL row could not be removed): gone now, as they would have gone with it.
        var orphans = loaded.All.Where(c => !Exists(functions.Current, c)).ToList();
        if (orphans.Count > 0)
        {
            store?.Delete(orphans);
            loaded = loaded.Without(orphans);
            foreach (var orphan in orphans)
            {
                note?.Invoke($"function URL {orphan.UrlId} dropped: function '{orphan.FunctionName}'{(orphan.Qualifier is null ? "" : $" alias '{orphan.Qualifier}'")} no longer exists");
            }
        }
        _current = loaded;
        functions.Subscribe(this);
    }

    /// <summary>The snapshot to read: lock-free, allocation-free (the router's lookup).</summary>
    public FunctionUrlSnapshot Current => Volatile.Read(ref _current);

    /// <summary>
    /// Runs <paramref name="change"/> against the latest function snapshot and URL snapshot, one change at a time
    /// with the function registry's changes. A returned config (not null) is persisted and published.
    /// </summary>
    /// <exception cref="RegistryStoreException">The store could not write: nothing changed.</exception>
    public T Change<T>(Func<RegistrySnapshot, FunctionUrlSnapshot, (FunctionUrlConfig? Save, FunctionUrlConfig? Delete, T Result)> change) =>
        _functions.Change(functions =>
        {
            var urls = _current;
            var (save, delete, result) = change(functions, urls);
            if (delete is not null)
            {
                _store?.Delete([delete]);
                Volatile.Write(ref _current, urls.Without([delete]));
            }
            else if (save is not null)
            {
                _store?.Save(save);
                Volatile.Write(ref _current, urls.With(save));
            }
            return (functions, result); // the functions themselves never change here
        });

    /// <summary>Under the registry's writer lock: the URLs of functions and aliases that <paramref name="next"/> no
    /// longer has are deleted. The function change is durable already; a URL row that cannot be deleted now is
    /// dropped at the next start (see the constructor), and it is unreachable from now on either way.</summary>
    public void Apply(RegistrySnapshot previous, RegistrySnapshot next)
    {
        var urls = _current;
        if (urls.Count == 0)
        {
            return;
        }
        var gone = urls.All.Where(c => !Exists(next, c)).ToList();
        if (gone.Count == 0)
        {
            return;
        }
        try
        {
            _store?.Delete(gone);
        }
        catch (RegistryStoreException ex)
        {
            _note?.Invoke($"could not delete {gone.Count} function URL(s) from the store ({ex.Message}); they are dropped at the next start");
        }
        Volatile.Write(ref _current, urls.Without(gone));
    }

    private static bool Exists(RegistrySnapshot functions, FunctionUrlConfig config) =>
        functions.TryGet(config.FunctionName, out var function)
        && (config.Qualifier is null || function.Aliases.ContainsKey(config.Qualifier));
}
