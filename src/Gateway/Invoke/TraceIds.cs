namespace Gateway.Invoke;

/// <summary>X-Ray trace headers for Lambda-Runtime-Trace-Id (runtimes copy it into _X_AMZN_TRACE_ID; the
/// official Node.js client crashes without it).</summary>
internal static class TraceIds
{
    /// <summary>The caller's X-Amzn-Trace-Id when it carries a Root, else a new unsampled one:
    /// <c>Root=1-{epoch seconds, 8 hex}-{24 hex};Parent={16 hex};Sampled=0</c>.</summary>
    public static string FromRequestOrNew(string? incoming, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(incoming) && incoming.Contains("Root=", StringComparison.Ordinal) && incoming.Length <= 256)
        {
            return incoming;
        }
        Span<byte> random = stackalloc byte[20];
        Random.Shared.NextBytes(random);
        uint seconds = (uint)time.GetUtcNow().ToUnixTimeSeconds();
        return $"Root=1-{seconds:x8}-{Convert.ToHexStringLower(random[..12])};Parent={Convert.ToHexStringLower(random[12..])};Sampled=0";
    }
}
