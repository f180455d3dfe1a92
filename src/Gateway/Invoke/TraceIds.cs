using System.Text;
using Gateway.Tracing;

namespace Gateway.Invoke;

/// <summary>X-Ray trace headers for Lambda-Runtime-Trace-Id (runtimes copy it into _X_AMZN_TRACE_ID; the
/// official Node.js client crashes without it).</summary>
/// <remarks>
/// <para>Lambda always hands the function a complete header — Root, Parent and a 0/1 Sampled — whatever the caller
/// sent (a recorded <c>_X_AMZN_TRACE_ID</c> always has all three; the X-Ray SDKs log errors and drop subsegments
/// without them). So a caller's header with a valid Root is completed (<see cref="FromCaller"/>): a missing Parent
/// gets a new id, a missing or <c>?</c> Sampled gets the function's TracingConfig decision. One without a valid Root
/// names no trace and a new one starts.</para>
/// <para>A new header is <c>Root=1-{epoch seconds, 8 hex}-{24 hex};Parent={16 hex};Sampled={0|1}</c>, made from the
/// seconds, 20 random bytes and the decision. The invocation keeps those and writes the header straight into the /next
/// head (<see cref="FormatUtf8"/>), so the sync path allocates no string for it; <see cref="Format"/> makes the string
/// only for whoever asks for it.</para>
/// </remarks>
internal static class TraceIds
{
    private const string Prefix = "Root=1-";
    private const string ParentPart = ";Parent=";
    private const string Sampled0 = ";Sampled=0";
    private const string Sampled1 = ";Sampled=1";

    /// <summary>Random bytes in a generated header: 12 for the root, 8 for the parent.</summary>
    public const int RandomBytes = 20;

    /// <summary>Length of a generated header: prefix, 8 hex, '-', 24 hex, ";Parent=", 16 hex, ";Sampled=x".</summary>
    public const int GeneratedLength = 7 + 8 + 1 + 24 + 8 + 16 + 10;

    /// <summary>The longest caller header taken: Lambda's own TraceHeader type allows 8,192 characters
    /// (API_TraceHeader). A longer one is ignored (a new trace starts). Kestrel's 32 KB for all request headers holds
    /// it; the /next head buffer is sized for it (RuntimeApiConnection).</summary>
    public const int MaxIncomingLength = 8192;

    /// <summary>
    /// The header the function gets for a caller's X-Amzn-Trace-Id, or null when it names no trace (absent, over
    /// <see cref="MaxIncomingLength"/>, no Root or a malformed one). A complete header (valid Root and Parent, Sampled 0
    /// or 1) is passed on as it is, its other fields (Lineage, …) included; otherwise Root, Parent (the caller's, or a
    /// new one) and Sampled (the caller's 0/1, or <paramref name="sampler"/>'s decision: none, PassThrough, is 0) are
    /// written in that order, followed by the caller's other fields.
    /// </summary>
    public static string? FromCaller(string? header, TraceSampler? sampler)
    {
        if (string.IsNullOrEmpty(header) || header.Length > MaxIncomingLength || !TraceHeaders.TryReadXRay(header, out var fields))
        {
            return null;
        }
        if (fields.IsComplete)
        {
            return header;
        }
        bool sampled = fields.Sampled switch
        {
            XRaySampled.Yes => true,
            XRaySampled.No => false,
            _ => sampler?.Sample() ?? false,
        };
        return Complete(header, fields, sampled);
    }

    private static string Complete(string header, in XRayFields fields, bool sampled)
    {
        var text = new StringBuilder(header.Length + GeneratedLength);
        text.Append("Root=").Append(header.AsSpan()[fields.Root]).Append(ParentPart);
        if (fields.HasParent)
        {
            text.Append(header.AsSpan()[fields.Parent]);
        }
        else
        {
            Span<byte> random = stackalloc byte[8];
            Random.Shared.NextBytes(random);
            Span<byte> hex = stackalloc byte[16];
            WriteHex(random, hex);
            foreach (byte b in hex)
            {
                text.Append((char)b);
            }
        }
        text.Append(sampled ? Sampled1 : Sampled0);
        if (fields.Others > 0)
        {
            foreach (var range in header.AsSpan().Split(';'))
            {
                var field = header.AsSpan()[range].Trim();
                int equals = field.IndexOf('=');
                if (equals > 0 && field[..equals].Trim() is var key && !key.SequenceEqual("Root") && !key.SequenceEqual("Parent") && !key.SequenceEqual("Sampled"))
                {
                    text.Append(';').Append(field);
                }
            }
        }
        return text.ToString();
    }

    public static uint Seconds(TimeProvider time) => (uint)time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A new header as a string (one allocation).</summary>
    public static string Format(uint seconds, ReadOnlySpan<byte> random, bool sampled)
    {
        Span<byte> utf8 = stackalloc byte[GeneratedLength];
        FormatUtf8(seconds, random, sampled, utf8);
        return Encoding.ASCII.GetString(utf8);
    }

    /// <summary>Writes a new header as ASCII; returns <see cref="GeneratedLength"/>.</summary>
    public static int FormatUtf8(uint seconds, ReadOnlySpan<byte> random, bool sampled, Span<byte> destination)
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
        Encoding.ASCII.GetBytes(sampled ? Sampled1 : Sampled0, destination[n..]);
        return n + Sampled0.Length;
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
