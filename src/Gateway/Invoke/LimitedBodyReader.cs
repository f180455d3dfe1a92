using System.IO.Pipelines;
using Gateway.Invocations;

namespace Gateway.Invoke;

/// <summary>
/// Reads an invoke request body from the request's PipeReader into a pooled payload, and stops as soon as
/// the body is over the limit: a too-large body is refused after at most one read past the limit, never held
/// whole, whatever the client claims in Content-Length (or without one).
/// </summary>
internal static class LimitedBodyReader
{
    /// <returns>True when the whole body fit; false when it exceeded <paramref name="limit"/>.
    /// <paramref name="seen"/> is how many bytes were read (the whole body, or limit+something).</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(bool Fits, long Seen)> ReadAsync(PipeReader reader, PooledPayload target, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            long total = target.Length + buffer.Length;
            if (total > limit)
            {
                reader.AdvanceTo(buffer.End);
                return (false, total);
            }
            target.Write(buffer);
            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return (true, total);
            }
        }
    }
    /// <summary>The Invoke API's read: as <see cref="ReadAsync"/>, and whether the body is JSON, checked in this same
    /// loop over the bytes as they arrive (<see cref="JsonPayloadValidator"/>; the function URL path takes any body and
    /// uses <see cref="ReadAsync"/>). The size limit comes first: a body over it is a 413 whatever it holds, as AWS's
    /// front door refuses a size before Lambda parses anything; a body within it that is not JSON is read to its end
    /// (at most the limit) so that the size rule can still apply, and is then refused by the caller.</summary>
    /// <returns><c>Json</c>: false when the (fitting) body is not JSON.</returns>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(bool Fits, long Seen, bool Json)> ReadJsonAsync(PipeReader reader, PooledPayload target, long limit, CancellationToken cancellationToken)
    {
        // A local of this pooled state machine: no allocation per invocation.
        var validator = new JsonPayloadValidator();
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            long total = target.Length + buffer.Length;
            if (total > limit)
            {
                reader.AdvanceTo(buffer.End);
                return (false, total, false);
            }
            validator.CheckUtf8(buffer);
            target.Write(buffer);
            reader.AdvanceTo(buffer.End);
            validator.Advance(target, result.IsCompleted);
            if (result.IsCompleted)
            {
                return (true, total, !validator.Failed);
            }
        }
    }
}
