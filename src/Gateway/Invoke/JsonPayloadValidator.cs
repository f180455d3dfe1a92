using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Invocations;

namespace Gateway.Invoke;

/// <summary>
/// Checks that an invoke payload is JSON while it streams in, as Lambda does before it runs anything: a body that is
/// not JSON is refused with 400 InvalidRequestContentException (recorded against AWS: LAMBDA.md §1.5). It follows the
/// <see cref="PooledPayload"/> the body is copied into — no second buffer — with a resumable <see cref="Utf8JsonReader"/>
/// (its <see cref="JsonReaderState"/> carried from one read to the next, <c>isFinalBlock</c> at the end of the body),
/// and checks UTF-8 on the bytes as they arrive (<see cref="Utf8Validity"/>), which Utf8JsonReader does not do inside
/// strings but Lambda's parser does ("Invalid UTF-8 start byte 0x87", recorded).
/// </summary>
/// <remarks>
/// <para>A mutable struct kept as a local of the body read loop (<see cref="LimitedBodyReader.ReadJsonAsync"/>), whose
/// state machine is pooled: no allocation per invocation. Once it has found an error it stops looking: the message is
/// built afterwards, off the hot path, by <see cref="JsonParseError"/>.</para>
/// <para>What is accepted, and why (AWS parses with Jackson, whose wording its messages carry):
/// any JSON value at the root, scalars included (<c>"x"</c>, <c>123</c>: Jackson reads them); an empty or
/// whitespace-only body (botocore sends none when there is no payload, and Lambda hands the function <c>{}</c>; Jackson
/// reads no content as "missing", not as an error — inferred); nesting up to <see cref="MaxDepth"/>. Refused: anything
/// Utf8JsonReader refuses under its strict defaults (no comments, no trailing commas, one root value — trailing content
/// after the value is refused, which is inferred: no AWS record of it was found), and invalid UTF-8.</para>
/// <para>Cost: every byte is read once by the JSON reader, except a token that is still incomplete when a read ends,
/// which Utf8JsonReader reads again from its start with the next bytes. So that a 6 MB string (a base64 blob in
/// <c>{"data":"…"}</c>) is not re-read on each of ~100 reads, the reader waits until the unfinished part has doubled
/// before trying again: a token is re-read at most about twice over, never quadratically.</para>
/// </remarks>
internal struct JsonPayloadValidator
{
    /// <summary>How deep arrays and objects may nest. Jackson, which Lambda parses payloads with, allows 1000 since
    /// its 2.15 StreamReadConstraints (before that, no limit); Utf8JsonReader's default of 64 would refuse documents
    /// AWS accepts. 1000 it is: deeper than any real event, and Utf8JsonReader tracks depth in a bit stack (one bit a
    /// level), so the bound costs nothing until a document is deeper than 64 levels.</summary>
    public const int MaxDepth = 1000;

    /// <summary>An unfinished token shorter than this is retried on the next read anyway (re-reading it is cheaper
    /// than tracking it).</summary>
    private const int SmallLeftover = 4096;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = MaxDepth };

    [ThreadStatic]
    private static SequenceNode[]? t_nodes;

    private JsonReaderState _state;
    private Utf8Validity _utf8;
    private long _position; // absolute offset of the first byte the JSON reader has not consumed
    private int _chunk;     // the payload chunk holding _position, and the offset in it
    private int _offset;
    private long _retryAt;  // do not run the reader again before the payload is this long (unless it is the end)
    private bool _started;
    private bool _sawToken;

    /// <summary>True once the payload is known not to be JSON (then nothing more is looked at).</summary>
    public bool Failed { get; private set; }

    /// <summary>Checks the UTF-8 of bytes just received (before or after they are copied to the payload).</summary>
    public void CheckUtf8(in ReadOnlySequence<byte> received)
    {
        if (Failed)
        {
            return;
        }
        foreach (var memory in received)
        {
            if (!_utf8.Append(memory.Span))
            {
                Failed = true;
                return;
            }
        }
    }

    /// <summary>Runs the JSON reader over what <paramref name="payload"/> holds beyond what it has already read.
    /// <paramref name="isFinal"/>: the body is complete (an unfinished value is then an error).</summary>
    public void Advance(PooledPayload payload, bool isFinal)
    {
        if (Failed)
        {
            return;
        }
        if (isFinal && !_utf8.Complete)
        {
            Failed = true; // the body ends inside a UTF-8 sequence
            return;
        }
        long length = payload.Length;
        if (!isFinal && length < _retryAt)
        {
            return;
        }
        if (length == _position && !isFinal)
        {
            return;
        }
        if (!_started)
        {
            _state = new JsonReaderState(Options);
            _started = true;
        }
        int count = payload.ChunkCount;
        long consumed;
        try
        {
            if (length == _position)
            {
                var reader = new Utf8JsonReader(ReadOnlySpan<byte>.Empty, isFinal, _state);
                consumed = Run(ref reader);
            }
            else if (_chunk == count - 1)
            {
                // The usual case (and every small payload): what is left is in one array.
                var reader = new Utf8JsonReader(payload.Chunk(_chunk).Span[_offset..], isFinal, _state);
                consumed = Run(ref reader);
            }
            else
            {
                var reader = new Utf8JsonReader(Sequence(payload, count), isFinal, _state);
                consumed = Run(ref reader);
            }
        }
        catch (JsonException)
        {
            // Nothing but whitespace, at the end: an empty payload (see the remarks).
            Failed = !(isFinal && !_sawToken && IsWhitespaceFrom(payload));
            return;
        }
        Skip(payload, consumed);
        long left = length - _position;
        _retryAt = left < SmallLeftover ? 0 : length + left;
    }

    private long Run(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            _sawToken = true;
            while (reader.Read())
            {
            }
        }
        _state = reader.CurrentState;
        return reader.BytesConsumed;
    }

    /// <summary>Moves the position <paramref name="consumed"/> bytes on, chunk by chunk.</summary>
    private void Skip(PooledPayload payload, long consumed)
    {
        _position += consumed;
        while (consumed > 0)
        {
            int inChunk = payload.Chunk(_chunk).Length - _offset;
            if (consumed < inChunk)
            {
                _offset += (int)consumed;
                return;
            }
            consumed -= inChunk;
            if (_chunk + 1 < payload.ChunkCount)
            {
                _chunk++;
                _offset = 0;
            }
            else
            {
                _offset += inChunk; // at the end of the last chunk, which may still grow
            }
        }
    }

    /// <summary>The unread bytes spread over several chunks, as one sequence. Its segment objects are this thread's,
    /// reused: the reader is done with them before this method's caller returns.</summary>
    private readonly ReadOnlySequence<byte> Sequence(PooledPayload payload, int count)
    {
        int needed = count - _chunk;
        var nodes = t_nodes;
        if (nodes is null || nodes.Length < needed)
        {
            nodes = new SequenceNode[Math.Max(needed, 16)];
            for (int i = 0; i < nodes.Length; i++)
            {
                nodes[i] = new SequenceNode();
            }
            t_nodes = nodes;
        }
        long running = 0;
        SequenceNode? previous = null;
        for (int i = 0; i < needed; i++)
        {
            var memory = payload.Chunk(_chunk + i);
            if (i == 0)
            {
                memory = memory[_offset..];
            }
            var node = nodes[i];
            node.Set(memory, running);
            previous?.Link(node);
            previous = node;
            running += memory.Length;
        }
        var last = nodes[needed - 1];
        last.Link(null);
        return new ReadOnlySequence<byte>(nodes[0], 0, last, last.Memory.Length);
    }

    private readonly bool IsWhitespaceFrom(PooledPayload payload)
    {
        for (int i = _chunk; i < payload.ChunkCount; i++)
        {
            var span = payload.Chunk(i).Span;
            if (i == _chunk)
            {
                span = span[_offset..];
            }
            if (span.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                return false;
            }
        }
        return true;
    }

    private sealed class SequenceNode : ReadOnlySequenceSegment<byte>
    {
        public void Set(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Link(SequenceNode? next) => Next = next;
    }
}

/// <summary>
/// UTF-8 validity of a byte stream that arrives in pieces: each piece is checked with the vectorised
/// <see cref="System.Text.Unicode.Utf8.IsValid"/>, and a sequence cut by the end of a piece (at most 3 bytes) is kept
/// and completed with the next one. Strict (no overlongs, no surrogates), like any UTF-8 decoder.
/// </summary>
internal struct Utf8Validity
{
    private uint _pending;     // up to 3 bytes of an unfinished sequence, first byte lowest
    private int _pendingCount;

    /// <summary>No sequence is left unfinished.</summary>
    public readonly bool Complete => _pendingCount == 0;

    /// <returns>False when the bytes so far are not UTF-8.</returns>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        if (_pendingCount > 0)
        {
            // Finish the cut sequence with the first bytes of this piece.
            Span<byte> joined = stackalloc byte[4];
            for (int i = 0; i < _pendingCount; i++)
            {
                joined[i] = (byte)(_pending >> (8 * i));
            }
            int take = Math.Min(4 - _pendingCount, bytes.Length);
            bytes[..take].CopyTo(joined[_pendingCount..]);
            var status = Rune.DecodeFromUtf8(joined[..(_pendingCount + take)], out _, out int used);
            if (status == OperationStatus.NeedMoreData)
            {
                Keep(joined[..(_pendingCount + take)]);
                return true;
            }
            if (status != OperationStatus.Done || used <= _pendingCount)
            {
                return false;
            }
            bytes = bytes[(used - _pendingCount)..];
            _pendingCount = 0;
        }
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return true;
        }
        // Invalid, or valid but for a sequence cut at the end: find where that last sequence starts.
        int start = bytes.Length - 1;
        while (start > 0 && start > bytes.Length - 4 && (bytes[start] & 0xC0) == 0x80)
        {
            start--;
        }
        var tail = bytes[start..];
        if (start < 0 || !System.Text.Unicode.Utf8.IsValid(bytes[..start])
            || Rune.DecodeFromUtf8(tail, out _, out _) != OperationStatus.NeedMoreData)
        {
            return false;
        }
        Keep(tail);
        return true;
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        _pending = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            _pending |= (uint)bytes[i] << (8 * i);
        }
        _pendingCount = bytes.Length;
    }
}
