using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Signing;

/// <summary>
/// The signature of a small body that is already all in the server's buffer, decided before the endpoint runs.
/// <para>
/// Why: a 64 B invoke arrives in the same packet as its headers, so its body is there when the request is verified.
/// Hashing it then (one pass over Kestrel's own buffer, no copy) and handing the endpoint Kestrel's reader as it is
/// saves, per request, what wrapping the body costs: the pooled <see cref="HashingBodyReader"/> and its return at the
/// request's end (a Kestrel <c>OnCompleted</c> callback), a request-feature swap (which invalidates every feature the
/// request's wrappers had cached) and an extra reader layer under each of the endpoint's reads.
/// </para>
/// <para>
/// Why nothing a client sees changes: the body is read with <c>TryRead</c> (only what has arrived, never a wait) and
/// put back unconsumed and unexamined, so the endpoint's own read returns the same bytes at once. Only a match is
/// decided here; anything else — a mismatch, a body not all here yet, an error from the read — goes on to the wrapping
/// reader exactly as before, which hashes the same bytes again as the endpoint reads them and refuses at their end (an
/// endpoint that answers before reading — a bad header, a DryRun — has it read first, <see cref="UnreadBody"/>). Left
/// to that reader too:
/// a body of unknown length (chunked), one over <see cref="Limit"/> (far below every per-route body limit, so a
/// route that sets its own limit before reading behaves the same), and <c>Expect: 100-continue</c> (reading the body
/// makes Kestrel send the 100 Continue, which must stay the endpoint's decision).
/// </para>
/// </summary>
internal static class BufferedBody
{
    /// <summary>The largest body decided here: small bodies are where the wrapper's fixed cost shows; 16 KB is far
    /// below the smallest limit a route sets itself (256 KB) and Kestrel's backstop.</summary>
    public const long Limit = 16 * 1024;

    /// <summary>True when the whole body is already buffered and its hash completes <paramref name="signed"/>'s
    /// signature (or equals the signed <paramref name="claimedSha256"/>). The body is left unread either way; the
    /// caller still owns <paramref name="signed"/>.</summary>
    /// <param name="headers">The request's headers and their Content-Length, as the caller read them.</param>
    public static bool Verifies(HttpRequest request, IHeaderDictionary headers, long? contentLength, SignedRequest signed, ReadOnlySpan<byte> claimedSha256)
    {
        if (contentLength is not (> 0 and <= Limit) || headers.Expect.Count != 0)
        {
            return false;
        }
        var reader = request.BodyReader;
        ReadResult result;
        try
        {
            if (!reader.TryRead(out result))
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return false; // the endpoint's own read meets the same condition, and answers it as it always did
        }
        var body = result.Buffer;
        bool matches = false;
        if (result.IsCompleted && !result.IsCanceled)
        {
            var hasher = signed.Sha256;
            if (body.IsSingleSegment)
            {
                hasher.Append(body.FirstSpan);
            }
            else
            {
                foreach (var segment in body)
                {
                    hasher.Append(segment.Span);
                }
            }
            Span<byte> sha256 = stackalloc byte[32];
            hasher.GetHashAndReset(sha256);
            matches = signed.MatchesBody(sha256, claimedSha256);
        }
        reader.AdvanceTo(body.Start, body.Start); // nothing consumed, nothing examined: the endpoint's read returns it
        return matches;
    }
}
