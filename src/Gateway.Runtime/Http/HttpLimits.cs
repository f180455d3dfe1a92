namespace Gateway.Runtime.Http;

/// <summary>
/// The bounds every response from the Runtime API is held to. A peer that exceeds them is broken (or
/// hostile), so exceeding one is a protocol error, never a reason to buffer more.
/// </summary>
internal static class HttpLimits
{
    /// <summary>Status line plus headers plus the blank line. Kestrel's default is 32 KB; Lambda's
    /// largest header (client context, ≤ 3,583 bytes of base64) is far below this.</summary>
    public const int MaxHeadBytes = 64 * 1024;

    /// <summary>Lambda's response payload limit (LAMBDA.md §1.4): the largest payload anything in
    /// this protocol carries. /next bodies are bounded by the smaller request limit.</summary>
    public const int MaxPayloadBytes = 6_291_556;

    /// <summary>Room over <see cref="MaxPayloadBytes"/> so an event at exactly the limit, plus whatever a
    /// gateway wraps around it, still parses; anything past this is refused before it is read.</summary>
    public const int MaxBodyBytes = MaxPayloadBytes + (64 * 1024);

    /// <summary>A chunk-size line with its extensions, and each trailer line. Real ones are a few bytes.</summary>
    public const int MaxChunkLineBytes = 1024;
}
