using System.Collections;

namespace Gateway.Invocations;

/// <summary>
/// A <see cref="PooledPayload"/>'s written bytes as array segments, read-only. A struct whose <c>foreach</c> uses
/// <see cref="List{T}.Enumerator"/> (a struct): the /next write and the invoke response enumerate the segments of every
/// invocation, and through <see cref="IReadOnlyList{T}"/> each <c>foreach</c> boxed a 40-byte enumerator.
/// </summary>
internal readonly struct PayloadSegments : IReadOnlyList<ArraySegment<byte>>
{
    private readonly List<ArraySegment<byte>> _segments;

    internal PayloadSegments(List<ArraySegment<byte>> segments) => _segments = segments;

    public int Count => _segments.Count;

    public ArraySegment<byte> this[int index] => _segments[index];

    /// <summary>The struct enumerator <c>foreach</c> binds to (no allocation).</summary>
    public List<ArraySegment<byte>>.Enumerator GetEnumerator() => _segments.GetEnumerator();

    IEnumerator<ArraySegment<byte>> IEnumerable<ArraySegment<byte>>.GetEnumerator() => _segments.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _segments.GetEnumerator();
}
