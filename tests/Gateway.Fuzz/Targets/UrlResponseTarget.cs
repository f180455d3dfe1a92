using Gateway.FunctionUrls.Http;
using Gateway.Invocations;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// A function's output (any bytes) through <see cref="UrlResponseMapper.Map"/>. It has no exception to throw: every
/// output maps to a response or to Malformed (the caller's 502).
/// </summary>
internal static class UrlResponseTarget
{
    public static void Run(byte[] data)
    {
        var head = new UrlResponseHead();
        var body = new PooledPayload();
        var kind = UrlResponseMapper.Map(data, head, body);
        FuzzInvariantException.Check(Enum.IsDefined(kind), $"unknown kind {kind}");
        if (kind == UrlResponseKind.Mapped)
        {
            FuzzInvariantException.Check(head.StatusCode is >= 100 and <= 599, $"status {head.StatusCode}");
        }
        if (kind == UrlResponseKind.Output)
        {
            FuzzInvariantException.Check(body.Length == 0, $"Output wrote a body of {body.Length} bytes");
        }
        if (kind == UrlResponseKind.CompactedOutput)
        {
            FuzzInvariantException.Check(body.Length is > 0 && body.Length <= data.Length, "a compacted output is longer than the output");
        }
        FuzzInvariantException.Check(body.Length <= data.Length, "the mapped body is longer than the output it came from");
        body.Reset();
    }
}
