using System.Text;

namespace Gateway.Invoke;

/// <summary>X-Ray trace headers for Lambda-Runtime-Trace-Id (runtimes copy it into _X_AMZN_TRACE_ID; the
/// official Node.js client crashes without it).</summary>
/// <remarks>A new header is <c>Root=1-{epoch seconds, 8 hex}-{24 hex};Parent={16 hex};Sampled=0</c>, made from the
/// seconds and 20 random bytes. The invocation keeps those and writes the header straight into the /next head
/// (<see cref="FormatUtf8"/>), so the sync path allocates no string for it; <see cref="Format"/> makes the string
/// only for whoever asks for it.</remarks>
internal static class TraceIds
{
    private const string Prefix = "Root=1-";
    private const string ParentPart = ";Parent=";
    private const string Suffix = ";Sampled=0";

    /// <summary>Random bytes in a generated header: 12 for the root, 8 for the parent.</summary>
    public const int RandomBytes = 20;

    /// <summary>Length of a generated header: prefix, 8 hex, '-', 24 hex, ";Parent=", 16 hex, ";Sampled=0".</summary>
    public const int GeneratedLength = 7 + 8 + 1 + 24 + 8 + 16 + 10;

    /// <summary>The caller's X-Amzn-Trace-Id when it carries a Root (to pass on unchanged), else null.</summary>
    public static string? Incoming(string? header)
        => !string.IsNullOrEmpty(header) && header.Contains("Root=", StringComparison.Ordinal) && header.Length <= 256 ? header : null;

    /// <summary>The caller's X-Amzn-Trace-Id when it carries a Root, else a new unsampled one.</summary>
    public static string FromRequestOrNew(string? incoming, TimeProvider time)
    {
        if (Incoming(incoming) is { } header)
        {
            return header;
        }
        Span<byte> random = stackalloc byte[RandomBytes];
        Random.Shared.NextBytes(random);
        return Format(Seconds(time), random);
    }

    public static uint Seconds(TimeProvider time) => (uint)time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The generated header as a string (one allocation).</summary>
    public static string Format(uint seconds, ReadOnlySpan<byte> random)
    {
        Span<byte> utf8 = stackalloc byte[GeneratedLength];
        FormatUtf8(seconds, random, utf8);
        return Encoding.ASCII.GetString(utf8);
    }

    /// <summary>Writes the generated header as ASCII; returns <see cref="GeneratedLength"/>.</summary>
    public static int FormatUtf8(uint seconds, ReadOnlySpan<byte> random, Span<byte> destination)
    {
        Encoding.ASCII.GetBytes(Prefix, destination);
        int n = Prefix.Length;
        seconds.TryFormat(destination[n..], out int written, "x8");
        n += written;
        destination[n++] = (byte)'-';
        n += WriteHex(random[..12], destination[n..]);
        Encoding.ASCII.GetBytes(ParentPart, destination[n..]);
        n += ParentPart.Length;
        n += WriteHex(random[12..RandomBytes], destination[n..]);
        Encoding.ASCII.GetBytes(Suffix, destination[n..]);
        return n + Suffix.Length;
    }

    private static int WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }
        return 2 * bytes.Length;
    }
}
