namespace Gateway.Runtime.Http;

/// <summary>
/// Where a header value sits inside the buffer the head was parsed from. The parser records ranges
/// instead of strings so that parsing allocates nothing; the caller materializes only what it needs.
/// <c>default</c> means "absent", and an empty value is treated the same way (RIE omits empty headers).
/// </summary>
internal readonly record struct HeaderRange(int Offset, int Length)
{
    public bool IsPresent => Length > 0;

    public ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> head) => head.Slice(Offset, Length);
}
