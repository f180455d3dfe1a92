using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.Invoke;

/// <summary>
/// The one reader for the small JSON bodies of AWS's control-plane operations (management API, event-invoke-config):
/// capped before anything is held (413 over the limit), an empty body is <c>empty()</c>, JSON it cannot read is
/// AWS's InvalidRequestContentException. Each operation keeps its own limit, which AWS's 413 text names.
/// </summary>
internal static class JsonBodyReader
{
    /// <param name="nullIsEmpty">What a literal <c>null</c> body is: <c>empty()</c> (the configuration, publish
    /// and tag operations) or a "the body is null" refusal (alias, concurrency, event-invoke-config) — the two
    /// answers the operations already gave, kept.</param>
    /// <returns>The document; null with an error: AWS's answer to write (400 or 413); null without one: the client
    /// went away and there is nobody to answer, or its body could not be read (UnreadableBody has set the 400/408).</returns>
    public static async Task<(T? Document, LambdaError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, int limit, Func<T> empty, bool nullIsEmpty)
        where T : class
    {
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }
        var body = new PooledPayload();
        try
        {
            bool fits;
            try
            {
                (fits, _) = await LimitedBodyReader.ReadAsync(request.BodyReader, body, limit, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                UnreadableBody.Answer(context, ex);
                return (null, null);
            }
            if (!fits)
            {
                return (null, TooLarge(limit));
            }
            if (body.Length == 0)
            {
                return (empty(), null);
            }
            try
            {
                if (JsonSerializer.Deserialize(body.ToArray(), type) is { } document)
                {
                    return (document, null);
                }
                return nullIsEmpty
                    ? (empty(), null)
                    : (null, LambdaError.InvalidRequestContent("Could not parse request body into json: the body is null"));
            }
            catch (JsonException ex)
            {
                return (null, LambdaError.InvalidRequestContent("Could not parse request body into json: " + ex.Message));
            }
        }
        finally
        {
            body.Reset();
        }
    }

    private static LambdaError TooLarge(int limit) =>
        LambdaError.RequestEntityTooLarge($"Request must be smaller than {limit} bytes for this operation");
}
