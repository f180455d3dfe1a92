namespace Gateway.Invoke;

/// <summary>X-Ray trace headers for Lambda-Runtime-Trace-Id (runtimes copy it into _X_AMZN_TRACE_ID; the
/// official Node.js client crashes without it).</summary>
internal static class TraceIds
{
    private const string Prefix = "Root=1-";
    private const string ParentPart = ";Parent=";
    private const string Suffix = ";Sampled=0";

    /// <summary>Length of a generated header: prefix, 8 hex, '-', 24 hex, ";Parent=", 16 hex, ";Sampled=0".</summary>
    private const int GeneratedLength = 7 + 8 + 1 + 24 + 8 + 16 + 10;

    /// <summary>The caller's X-Amzn-Trace-Id when it carries a Root, else a new unsampled one:
    /// <c>Root=1-{epoch seconds, 8 hex}-{24 hex};Parent={16 hex};Sampled=0</c>.</summary>
    public static string FromRequestOrNew(string? incoming, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(incoming) && incoming.Contains("Root=", StringComparison.Ordinal) && incoming.Length <= 256)
        {
            return incoming;
        }
        uint seconds = (uint)time.GetUtcNow().ToUnixTimeSeconds();
        // One allocation (the string itself), written in place: this runs on every invocation without a trace header.
        return string.Create(GeneratedLength, seconds, static (chars, seconds) =>
        {
            Span<byte> random = stackalloc byte[20];
            Random.Shared.NextBytes(random);
            Prefix.CopyTo(chars);
            int n = Prefix.Length;
            seconds.TryFormat(chars[n..], out int written, "x8");
            n += written;
            chars[n++] = '-';
            Convert.TryToHexStringLower(random[..12], chars[n..], out written);
            n += written;
            ParentPart.CopyTo(chars[n..]);
            n += ParentPart.Length;
            Convert.TryToHexStringLower(random[12..], chars[n..], out written);
            n += written;
            Suffix.CopyTo(chars[n..]);
        });
    }
}
