using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Invocations;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>What every management endpoint does the same way: the request id header, small JSON bodies (bounded),
/// JSON answers, refusals, MaxItems.</summary>
internal static class ManagementHttp
{
    /// <summary>Far above any valid configuration, publish or tag body (4 KB of variables, 50 tags, a few ARNs).</summary>
    public const int SmallBodyLimit = 256 * 1024;

    /// <summary>AWS returns at most 50 items per list page, whatever MaxItems says (API reference, ListFunctions).</summary>
    public const int MaxPage = 50;

    /// <summary>Every answer carries a request id (SDKs log it; some read it).</summary>
    public static void Begin(HttpContext context) => context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();

    public static Task WriteAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, type, "application/json");
    }

    public static Task ErrorAsync(HttpContext context, LambdaError error) => LambdaErrors.WriteAsync(context, error);

    /// <summary>
    /// A small JSON body; an empty body is <paramref name="empty"/>. The error is AWS's InvalidRequestContentException
    /// for JSON it cannot read, 413 over the limit; (null, null): the client went away.
    /// </summary>
    public static async Task<(T? Value, LambdaError? Error)> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type, Func<T> empty)
        where T : class
    {
        var tooLarge = LambdaError.RequestEntityTooLarge($"Request must be smaller than {SmallBodyLimit} bytes for this operation");
        if (context.Request.ContentLength is > SmallBodyLimit)
        {
            return (null, tooLarge);
        }
        var body = new PooledPayload();
        try
        {
            bool fits;
            try
            {
                (fits, _) = await LimitedBodyReader.ReadAsync(context.Request.BodyReader, body, SmallBodyLimit, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BadHttpRequestException or IOException or OperationCanceledException)
            {
                return (null, null);
            }
            if (!fits)
            {
                return (null, tooLarge);
            }
            if (body.Length == 0)
            {
                return (empty(), null);
            }
            try
            {
                var value = JsonSerializer.Deserialize(body.ToArray(), type);
                return value is null ? (empty(), null) : (value, null);
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

    /// <summary>MaxItems: 1–10000 in the model (ValidationException outside), pages of at most 50.</summary>
    public static LambdaError? ReadMaxItems(HttpContext context, out int maxItems)
    {
        maxItems = MaxPage;
        if (!context.Request.Query.TryGetValue("MaxItems", out var text))
        {
            return null;
        }
        if (!int.TryParse(text.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            return LambdaError.Validation($"1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must be a number");
        }
        if (value is < 1 or > 10000)
        {
            return LambdaError.Validation(value < 1
                ? $"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
                : $"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000");
        }
        maxItems = Math.Min(value, MaxPage);
        return null;
    }

    /// <summary>The query's Qualifier, or null when the query has none.</summary>
    public static string? Qualifier(HttpContext context) =>
        context.Request.Query.TryGetValue("Qualifier", out var value) ? value.ToString() : null;
}
