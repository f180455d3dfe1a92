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
            // Its permissions go with it (as on AWS): a deleted version has no policy to answer.
            Commit(record with { Deleted = true, Policy = null });
            return true;
        }
    }

    /// <summary>Changes a live version (its policy): <paramref name="change"/> sees the version, or null when it does
    /// not exist or was deleted, and returns the version to store (null: nothing changes) and its answer.</summary>
    /// <exception cref="Registry.RegistryStoreException">The store could not write: nothing changed.</exception>
    public T Change<T>(string layerName, long version, Func<LayerVersionRecord?, (LayerVersionRecord? Changed, T Result)> change)
    {
        lock (_writer)
        {
            var (changed, result) = change(_current.TryGetLive(layerName, version, out var record) ? record : null);
            if (changed is not null)
            {
                Commit(changed);
            }
            return result;
        }
    }

    /// <summary>Durable, then visible.</summary>
    private void Commit(LayerVersionRecord version)
    {
        _store?.Save(version);
        Volatile.Write(ref _current, _current.With(version));
    }
}
