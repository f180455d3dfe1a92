namespace Gateway.Functions.Layers;

/// <summary>
/// The current <see cref="LayerSnapshot"/> and the one way to change it, on the function registry's pattern: reads
/// are a volatile read; changes run one at a time against the latest snapshot, are persisted, then published.
/// </summary>
internal sealed class LayerRegistry
{
    private readonly Lock _writer = new();
    private readonly ILayerStore? _store;
    private LayerSnapshot _current;

    /// <param name="store">Where changes persist; null keeps them in memory (unit tests).</param>
    public LayerRegistry(ILayerStore? store)
    {
        _store = store;
        _current = store is null ? LayerSnapshot.Empty : LayerSnapshot.From(store.Load());
    }

    public LayerSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Publishes the next version of <paramref name="layerName"/>: <paramref name="create"/> is given its
    /// number (one past the highest ever published, so a deleted number is never given again).</summary>
    /// <exception cref="Registry.RegistryStoreException">The store could not write: nothing changed.</exception>
    public LayerVersionRecord Publish(string layerName, Func<long, LayerVersionRecord> create)
    {
        lock (_writer)
        {
            var version = create(_current.NextVersion(layerName));
            Commit(version);
            return version;
        }
    }

    /// <summary>Marks a version deleted; false (nothing changed) when it does not exist or is deleted already.</summary>
    /// <exception cref="Registry.RegistryStoreException">The store could not write: nothing changed.</exception>
    public bool Delete(string layerName, long version)
    {
        lock (_writer)
        {
            if (!_current.TryGetLive(layerName, version, out var record))
            {
                return false;
            }
            Commit(record with { Deleted = true });
            return true;
        }
    }

    /// <summary>Durable, then visible.</summary>
    private void Commit(LayerVersionRecord version)
    {
        _store?.Save(version);
        Volatile.Write(ref _current, _current.With(version));
    }
}
