using System.Collections.Immutable;

namespace Gateway.Functions.Layers;

/// <summary>
/// Every layer version ever published (deleted ones included, marked), by layer name and version number. Immutable:
/// a publish or a delete makes a new snapshot, so readers never lock.
/// </summary>
internal sealed class LayerSnapshot
{
    public static readonly LayerSnapshot Empty = new(ImmutableDictionary.Create<string, ImmutableSortedDictionary<long, LayerVersionRecord>>(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, ImmutableSortedDictionary<long, LayerVersionRecord>> _layers;

    private LayerSnapshot(ImmutableDictionary<string, ImmutableSortedDictionary<long, LayerVersionRecord>> layers) => _layers = layers;

    public static LayerSnapshot From(IEnumerable<LayerVersionRecord> versions)
    {
        var snapshot = Empty;
        foreach (var version in versions)
        {
            snapshot = snapshot.With(version);
        }
        return snapshot;
    }

    /// <summary>Layer names in ordinal order.</summary>
    public IEnumerable<string> Names => _layers.Keys.Order(StringComparer.Ordinal);

    /// <summary>The snapshot with <paramref name="version"/> added or replaced.</summary>
    public LayerSnapshot With(LayerVersionRecord version)
    {
        var versions = _layers.TryGetValue(version.LayerName, out var existing) ? existing : ImmutableSortedDictionary<long, LayerVersionRecord>.Empty;
        return new LayerSnapshot(_layers.SetItem(version.LayerName, versions.SetItem(version.Version, version)));
    }

    /// <summary>The next number for <paramref name="layerName"/>: one past the highest ever published (deleted ones count).</summary>
    public long NextVersion(string layerName) =>
        _layers.TryGetValue(layerName, out var versions) && versions.Count > 0 ? versions.Keys.Max() + 1 : 1;

    /// <summary>A version that exists (not deleted).</summary>
    public bool TryGetLive(string layerName, long version, out LayerVersionRecord record)
    {
        if (TryGetAny(layerName, version, out record) && !record.Deleted)
        {
            return true;
        }
        record = null!;
        return false;
    }

    /// <summary>A version ever published, deleted or not (a function that uses a deleted one still runs it).</summary>
    public bool TryGetAny(string layerName, long version, out LayerVersionRecord record)
    {
        record = null!;
        return _layers.TryGetValue(layerName, out var versions) && versions.TryGetValue(version, out record!);
    }

    /// <summary>The live versions of a layer, newest first (ListLayerVersions' order).</summary>
    public IEnumerable<LayerVersionRecord> LiveVersionsNewestFirst(string layerName) =>
        _layers.TryGetValue(layerName, out var versions) ? versions.Values.Reverse().Where(v => !v.Deleted) : [];
}
