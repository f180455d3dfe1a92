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
}
