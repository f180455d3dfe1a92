using System.Collections.Frozen;

namespace Gateway.Functions.Registry;

/// <summary>
/// Every function the gateway serves, at one revision. Immutable: readers on the invoke path take the current
/// snapshot with one volatile read and look up with no lock and no allocation; a change builds a new snapshot and
/// swaps it in (<see cref="FunctionRegistry"/>).
/// </summary>
internal sealed class RegistrySnapshot
{
    private readonly FrozenDictionary<string, FunctionRecord> _functions;

    public RegistrySnapshot(long revision, IEnumerable<FunctionRecord> functions)
    {
        Revision = revision;
        _functions = functions.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
    }

    public static RegistrySnapshot Empty { get; } = new(0, []);

    /// <summary>Grows by one on every committed change.</summary>
    public long Revision { get; }

    public int Count => _functions.Count;

    /// <summary>Names are case-sensitive, as on AWS.</summary>
    public bool TryGet(string name, out FunctionRecord function) => _functions.TryGetValue(name, out function!);

    public IEnumerable<FunctionRecord> All => _functions.Values;

    /// <summary>A new snapshot with <paramref name="function"/> added or replaced (by name).</summary>
    public RegistrySnapshot With(FunctionRecord function) =>
        new(Revision + 1, _functions.Values.Where(f => f.Name != function.Name).Append(function));

    /// <summary>A new snapshot without the function named <paramref name="name"/>.</summary>
    public RegistrySnapshot Without(string name) =>
        new(Revision + 1, _functions.Values.Where(f => f.Name != name));
}
