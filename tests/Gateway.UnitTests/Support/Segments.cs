using System.Buffers;

namespace Gateway.UnitTests.Support;

/// <summary>Builds <see cref="ReadOnlySequence{T}"/>s out of many segments, so parsers meet every possible split.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    public TestSegment(ReadOnlyMemory<byte> memory) => Memory = memory;

    public TestSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new TestSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}

internal static class Segments
{
    /// <summary>One segment per piece (pieces may be empty).</summary>
    public static ReadOnlySequence<byte> Of(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new TestSegment(pieces[0]);
        var last = first;
        for (int i = 1; i < pieces.Length; i++)
        {
            last = last.Append(pieces[i]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Every byte of <paramref name="data"/> in a segment of its own (each backed by its own array).</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(ReadOnlySpan<byte> data)
    {
        var pieces = new ReadOnlyMemory<byte>[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            pieces[i] = new[] { data[i] };
        }
        return Of(pieces);
    }

    /// <summary>Splits <paramref name="data"/> into segments of the given sizes (cycled until the data runs out).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] sizes)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int offset = 0, i = 0;
        while (offset < data.Length)
        {
            int n = Math.Min(sizes[i++ % sizes.Length], data.Length - offset);
            pieces.Add(data.AsMemory(offset, n).ToArray());
            offset += n;
        }
        return Of([.. pieces]);
    }
}
