using Microsoft.Extensions.ObjectPool;

namespace Gateway.Invocations;

/// <summary>
/// The pool of <see cref="Invocation"/> objects. It counts outstanding rentals so tests can prove every
/// invocation comes back exactly once.
/// </summary>
internal sealed class InvocationPool
{
    private readonly DefaultObjectPool<Invocation> _pool = new(new Policy(), maximumRetained: 1024);
    private long _outstanding;

    /// <summary>Rented and not yet returned. Zero when the gateway is idle.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    public Invocation Rent()
    {
        Interlocked.Increment(ref _outstanding);
        return _pool.Get();
    }

    public void Return(Invocation invocation)
    {
        Interlocked.Decrement(ref _outstanding);
        _pool.Return(invocation);
    }

    private sealed class Policy : IPooledObjectPolicy<Invocation>
    {
        public Invocation Create() => new();

        public bool Return(Invocation obj)
        {
            obj.Reset();
            return true;
        }
    }
}
