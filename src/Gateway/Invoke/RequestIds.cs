namespace Gateway.Invoke;

/// <summary>
/// Request ids for invocations: random (version 4) UUIDs, as Lambda's, drawn from <see cref="Random.Shared"/> rather
/// than <see cref="Guid.NewGuid"/>.
/// </summary>
/// <remarks>
/// On Linux <c>Guid.NewGuid</c> reads the kernel's CSPRNG: one <c>read</c> of /dev/urandom per call, a system call on
/// every invocation (issue 15's per-invocation budget, docs/performance.md). A request id names an invocation in logs
/// and answers; nothing relies on it being unpredictable (the caller, the function and the log all see it), only on it
/// being unique, which 122 bits from a per-thread xoshiro256** generator seeded from the CSPRNG give.
/// </remarks>
internal static class RequestIds
{
    /// <summary>A new version-4, RFC 4122-variant UUID (the same text form as <c>Guid.NewGuid().ToString()</c>).</summary>
    public static Guid NewV4()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        // In big-endian (text) order: the version is the high nibble of byte 6, the variant the top two bits of byte 8.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
