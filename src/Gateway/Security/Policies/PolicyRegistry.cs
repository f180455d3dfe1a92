using System.Collections.Frozen;
using Gateway.Functions.Registry;

namespace Gateway.Security.Policies;

/// <summary>Every resource policy at one moment, immutable: a frozen-dictionary read per lookup, no lock.</summary>
internal sealed class PolicySnapshot
{
    private readonly FrozenDictionary<(string Function, string Qualifier), ResourcePolicy> _byKey;

    public PolicySnapshot(IEnumerable<ResourcePolicy> policies) => _byKey = policies.ToFrozenDictionary(p => p.Key);

    public static PolicySnapshot Empty { get; } = new([]);

    public int Count => _byKey.Count;

    public IEnumerable<ResourcePolicy> All => _byKey.Values;

    /// <summary>The policy of a function ("" qualifier: the unqualified function) or of one version or alias.</summary>
    public bool TryGet(string function, string qualifier, out ResourcePolicy policy) => _byKey.TryGetValue((function, qualifier), out policy!);

    public PolicySnapshot With(ResourcePolicy policy) => new(_byKey.Values.Where(p => p.Key != policy.Key).Append(policy));

    public PolicySnapshot Without(IReadOnlyCollection<ResourcePolicy> removed) => new(_byKey.Values.Where(p => !removed.Contains(p)));
}

/// <summary>
/// The current <see cref="PolicySnapshot"/> and the one way to change it: inside the function registry's writer
/// (<see cref="FunctionRegistry.Change{T}"/> with no function change), so a statement is never added to a function,
/// version or alias that a concurrent delete is removing; persisted, then published. As a registry listener it drops
/// the policies of what a change removes — deleting a function deletes its policy on AWS, and a function created again
/// under the same name starts with none.
/// </summary>
internal sealed class PolicyRegistry : IRegistryListener
{
    private readonly FunctionRegistry _functions;
    private readonly IPolicyStore? _store;
    private readonly Action<string>? _note;
    private PolicySnapshot _current;

    /// <param name="store">Where policies persist; null keeps them in memory (unit tests).</param>
    public PolicyRegistry(FunctionRegistry functions, IPolicyStore? store, Action<string>? note = null)
    {
        _functions = functions;
        _store = store;
        _note = note;
        var loaded = new PolicySnapshot(store?.Load() ?? []);
        // Policies whose function, version or alias went away while the gateway was down.
        var orphans = loaded.All.Where(p => !Exists(functions.Current, p)).ToList();
        if (orphans.Count > 0)
        {
            store?.Delete(orphans);
            loaded = loaded.Without(orphans);
            foreach (var orphan in orphans)
            {
                note?.Invoke($"resource policy of '{orphan.FunctionName}{(orphan.Qualifier.Length == 0 ? "" : ":" + orphan.Qualifier)}' dropped: it no longer exists");
            }
        }
        _current = loaded;
        functions.Subscribe(this);
    }

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Runs <paramref name="change"/> against the latest functions and policies, one change at a time with
    /// the function registry's changes. A returned policy with statements is saved; one without is deleted.</summary>
    /// <exception cref="RegistryStoreException">The store could not write: nothing changed.</exception>
    public T Change<T>(Func<RegistrySnapshot, PolicySnapshot, (ResourcePolicy? Changed, T Result)> change) =>
        _functions.Change(functions =>
        {
            var policies = _current;
            var (changed, result) = change(functions, policies);
            if (changed is not null)
            {
                if (changed.Statements.IsEmpty)
                {
                    _store?.Delete([changed]);
                    Volatile.Write(ref _current, policies.Without(policies.TryGet(changed.FunctionName, changed.Qualifier, out var old) ? [old] : []));
                }
                else
                {
                    _store?.Save(changed);
                    Volatile.Write(ref _current, policies.With(changed));
                }
            }
            return (functions, result); // the functions themselves never change here
        });

    /// <summary>Under the registry's writer lock: the policies of functions, versions and aliases that
    /// <paramref name="next"/> no longer has are dropped (a row that cannot be deleted now is dropped at the next start).</summary>
    public void Apply(RegistrySnapshot previous, RegistrySnapshot next)
    {
        var policies = _current;
        if (policies.Count == 0)
        {
            return;
        }
        var gone = policies.All.Where(p => !Exists(next, p)).ToList();
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
            _note?.Invoke($"could not delete {gone.Count} resource polic(ies) from the store ({ex.Message}); they are dropped at the next start");
        }
        Volatile.Write(ref _current, policies.Without(gone));
    }

    private static bool Exists(RegistrySnapshot functions, ResourcePolicy policy) =>
        functions.TryGet(policy.FunctionName, out var function)
        && (policy.Qualifier.Length == 0 || function.HasQualifier(policy.Qualifier));
}
