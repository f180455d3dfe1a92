using Gateway.Runtime.Http;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// What the Runtime API answers the C# runtime client (src/Gateway.Runtime): response heads (1xx ones skipped, as
/// RuntimeConnection does) through <see cref="ResponseHeadParser"/>, then a chunked body through
/// <see cref="ChunkedBodyDecoder"/>, fed in pieces of (byte 0 &amp; 63) + 1 bytes. Refusal: a false return (incomplete)
/// or <see cref="RuntimeApiProtocolException"/>.
/// </summary>
internal static class RuntimeClientTarget
{
    /// <summary>Small, so the fuzzer reaches the body-limit refusal with small inputs.</summary>
    private const long MaxBody = 4096;

    public static void Run(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }
        int piece = (data[0] & 63) + 1;
        var buffer = data.AsSpan(1);
        try
        {
            int headStart = 0;
            ResponseHead head;
            while (true)
            {
                var window = buffer[headStart..][..Math.Min(buffer.Length - headStart, HttpLimits.MaxHeadBytes)];
                if (!ResponseHeadParser.TryParse(window, out head))
                {
                    return; // incomplete: the connection would receive more
                }
                FuzzInvariantException.Check(head.HeadLength > 0 && head.HeadLength <= window.Length, $"head length {head.HeadLength} of {window.Length}");
                CheckRange(head.RequestId, head.HeadLength);
                CheckRange(head.DeadlineMs, head.HeadLength);
                CheckRange(head.InvokedFunctionArn, head.HeadLength);
                CheckRange(head.TraceId, head.HeadLength);
                CheckRange(head.ClientContext, head.HeadLength);
                CheckRange(head.CognitoIdentity, head.HeadLength);
                headStart += head.HeadLength;
                if (!head.IsInterim)
                {
                    break;
                }
            }
            if (head.Framing == BodyFraming.Chunked)
            {
                Decode(buffer[headStart..], piece);
            }
        }
        catch (RuntimeApiProtocolException)
        {
            // The documented refusal: the runtime drops the connection and exits.
        }
    }

    /// <summary>As RuntimeConnection.ReadChunkedBody: decode in place, each receive appended after what is decoded.</summary>
    private static void Decode(Span<byte> encoded, int piece)
    {
        var decoder = new ChunkedBodyDecoder(MaxBody);
        byte[] buffer = new byte[encoded.Length];
        int end = 0, read = 0, written = 0, received = 0;
        while (true)
        {
            int take = Math.Min(piece, encoded.Length - received);
            if (take == 0)
            {
                return; // truncated
            }
            encoded.Slice(received, take).CopyTo(buffer.AsSpan(end));
            received += take;
            end += take;
            bool done = decoder.Decode(buffer, ref read, end, ref written);
            FuzzInvariantException.Check(written <= read && read <= end, $"decoder positions written {written} read {read} end {end}");
            FuzzInvariantException.Check(written <= MaxBody && decoder.DecodedBytes <= MaxBody, $"decoded {written} bytes over the {MaxBody} limit");
            if (done)
            {
                return;
            }
            FuzzInvariantException.Check(read == end, "decoder left input unconsumed before the end of the body");
            end = read = written;
        }
    }

    private static void CheckRange(HeaderRange range, int headLength) =>
        FuzzInvariantException.Check(range.Offset >= 0 && range.Length >= 0 && range.Offset + range.Length <= headLength,
            $"header range {range} outside a {headLength}-byte head");
}
