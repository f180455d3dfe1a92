using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>
/// The two ways a caller names its trace — W3C <c>traceparent</c> and AWS's <c>X-Amzn-Trace-Id</c> — read into an
/// <see cref="ActivityContext"/>, and a span written back as the X-Ray header a runtime sees
/// (Lambda-Runtime-Trace-Id, which runtimes copy into <c>_X_AMZN_TRACE_ID</c>).
/// </summary>
/// <remarks>
/// The conversion is the AWS X-Ray propagator's: <c>Root=1-{8 hex}-{24 hex}</c> is the 32-hex W3C trace id split after
/// its 8th digit (X-Ray's first part is epoch seconds; a W3C id is taken as it is), <c>Parent</c> is the 16-hex span id,
/// <c>Sampled=1</c> is the W3C sampled flag. Everything else in either header (tracestate, Lineage, Self) is not carried.
/// </remarks>
internal static class TraceHeaders
{
    /// <summary>Length of <c>Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx;Parent=xxxxxxxxxxxxxxxx;Sampled=x</c>.</summary>
    public const int XRayLength = 7 + 8 + 1 + 24 + 8 + 16 + 10;

    /// <summary>Reads a W3C <c>traceparent</c> (<c>00-{32 hex}-{16 hex}-{2 hex}</c>); false when it is malformed, all-zero
    /// ids included (the W3C rule: such a header is ignored).</summary>
    public static bool TryParseTraceparent(ReadOnlySpan<char> header, out ActivityContext context)
    {
        context = default;
        header = header.Trim();
        // Version 00 is exactly 55 characters; a later version may append fields after a '-'.
        if (header.Length < 55 || (header.Length > 55 && header[55] != '-') || header[2] != '-' || header[35] != '-' || header[52] != '-')
        {
            return false;
        }
        if (!IsLowerHex(header[..2]) || header[..2].SequenceEqual("ff") || (header[..2].SequenceEqual("00") && header.Length != 55))
        {
            return false;
        }
        var traceId = header.Slice(3, 32);
        var spanId = header.Slice(36, 16);
        var flags = header.Slice(53, 2);
        if (!IsLowerHex(traceId) || !IsLowerHex(spanId) || !IsLowerHex(flags) || IsAllZero(traceId) || IsAllZero(spanId))
        {
            return false;
        }
        bool sampled = (HexValue(flags[1]) & 1) == 1;
        context = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(spanId),
                                      sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);
        return true;
    }

    /// <summary>
    /// Reads <c>Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled={0|1|?}</c> (fields in any order, separated by ';').
    /// <paramref name="traceId"/> is set whenever the Root is well formed; <paramref name="context"/> is valid only when
    /// a Parent is there too (a span needs a parent span id). A missing or <c>?</c> Sampled leaves the decision to us:
    /// it reads as sampled.
    /// </summary>
    public static bool TryParseXRay(ReadOnlySpan<char> header, out ActivityTraceId traceId, out ActivityContext context)
    {
        traceId = default;
        context = default;
        if (!TryReadXRay(header, out var fields))
        {
            return false;
        }
        Span<char> hex = stackalloc char[32];
        var root = header[fields.Root];
        root.Slice(2, 8).CopyTo(hex);
        root.Slice(11, 24).CopyTo(hex[8..]);
        ToLower(hex);
        traceId = ActivityTraceId.CreateFromString(hex);
        if (fields.HasParent)
        {
            var spanHex = hex[..16];
            header[fields.Parent].CopyTo(spanHex);
            ToLower(spanHex);
            bool sampled = fields.Sampled != XRaySampled.No;
            context = new ActivityContext(traceId, ActivitySpanId.CreateFromString(spanHex),
                                          sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);
        }
        return true;
    }

    /// <summary>
    /// Finds the fields of an X-Ray header without copying it: false when it has no Root or a malformed one (not
    /// <c>1-{8 hex}-{24 hex}</c>, or all zeros), which X-Ray treats as no trace. A malformed Parent reads as none;
    /// <c>Sampled</c> is a decision only as <c>0</c> or <c>1</c>. <see cref="XRayFields.Others"/> counts fields besides
    /// these three (Lineage, Self, …); text without '=' is not a field.
    /// </summary>
    public static bool TryReadXRay(ReadOnlySpan<char> header, out XRayFields fields)
    {
        fields = default;
        bool haveRoot = false;
        foreach (var range in header.Split(';'))
        {
            var (offset, length) = range.GetOffsetAndLength(header.Length);
            var field = header.Slice(offset, length);
            int equals = field.IndexOf('=');
            if (equals <= 0)
            {
                continue; // not a field: dropped when the header is rebuilt
            }
            var key = field[..equals].Trim();
            var rawValue = field[(equals + 1)..];
            var value = rawValue.Trim();
            var valueRange = new Range(offset + equals + 1 + (rawValue.Length - rawValue.TrimStart().Length), offset + equals + 1 + rawValue.TrimEnd().Length);
            if (key.SequenceEqual("Root"))
            {
                // 1-{8 hex}-{24 hex}
                if (value.Length != 35 || value[0] != '1' || value[1] != '-' || value[10] != '-'
                    || !IsHex(value.Slice(2, 8)) || !IsHex(value[11..]) || (IsAllZero(value.Slice(2, 8)) && IsAllZero(value[11..])))
                {
                    return false;
                }
                fields.Root = valueRange;
                haveRoot = true;
            }
            else if (key.SequenceEqual("Parent"))
            {
                bool valid = value.Length == 16 && IsHex(value) && !IsAllZero(value);
                fields.Parent = valid ? valueRange : default;
                fields.HasParent = valid;
            }
            else if (key.SequenceEqual("Sampled"))
            {
                fields.Sampled = value.SequenceEqual("1") ? XRaySampled.Yes : value.SequenceEqual("0") ? XRaySampled.No : XRaySampled.Undecided;
            }
            else
            {
                fields.Others++;
            }
        }
        return haveRoot;
    }

    /// <summary>The X-Ray header for a span (or a caller's context): Root from its trace id, Parent its span id.</summary>
    public static string ToXRay(ActivityTraceId traceId, ActivitySpanId spanId, bool sampled)
        => string.Create(XRayLength, (traceId, spanId, sampled), static (chars, state) =>
        {
            Span<char> trace = stackalloc char[32];
            Span<char> span = stackalloc char[16];
            state.traceId.ToHexString().CopyTo(trace); // ToHexString caches its string on the id: no second allocation
            state.spanId.ToHexString().CopyTo(span);
            int n = 0;
            n += Write(chars, n, "Root=1-");
            n += Write(chars, n, trace[..8]);
            chars[n++] = '-';
            n += Write(chars, n, trace[8..]);
            n += Write(chars, n, ";Parent=");
            n += Write(chars, n, span);
            n += Write(chars, n, state.sampled ? ";Sampled=1" : ";Sampled=0");
        });

    /// <summary>The X-Ray header for a caller's <c>traceparent</c>, or null when it is malformed (tracing off: the
    /// runtime still sees the caller's trace).</summary>
    public static string? XRayFromTraceparent(string? traceparent)
        => !string.IsNullOrEmpty(traceparent) && TryParseTraceparent(traceparent, out var context)
            ? ToXRay(context.TraceId, context.SpanId, (context.TraceFlags & ActivityTraceFlags.Recorded) != 0)
            : null;

    private static int Write(Span<char> destination, int at, ReadOnlySpan<char> text)
    {
        text.CopyTo(destination[at..]);
        return text.Length;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsAllZero(ReadOnlySpan<char> text) => !text.ContainsAnyExcept('0');

    private static void ToLower(Span<char> hex)
    {
        for (int i = 0; i < hex.Length; i++)
        {
            hex[i] = char.ToLowerInvariant(hex[i]);
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;
}

/// <summary>A caller's sampling decision in an X-Ray header: none (no field, <c>?</c>, anything else), 0 or 1.</summary>
internal enum XRaySampled : byte
{
    Undecided,
    No,
    Yes,
}

/// <summary>Where <see cref="TraceHeaders.TryReadXRay"/> found the fields (ranges into the header, values trimmed).</summary>
internal struct XRayFields
{
    public Range Root;
    public Range Parent;
    public bool HasParent;
    public XRaySampled Sampled;
    public int Others;

    /// <summary>Root, Parent and a 0/1 decision: what Lambda gives a function, so such a header is passed on as it is.</summary>
    public readonly bool IsComplete => HasParent && Sampled != XRaySampled.Undecided;
}
