using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;
using Gateway.Functions.Registry;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// The HTTP plumbing every management endpoint shares, so each endpoint stays a few lines over its pure rules: the
/// request id, the FunctionName route value through <see cref="FunctionResolver.TryParse"/>, capped JSON bodies, a
/// registry change whose store failure becomes a ServiceException, MaxItems, and AWS-shaped answers.
/// </summary>
internal static class ManagementHttp
{
    /// <summary>Far above any valid body of these operations (an alias with a 256-character description).</summary>
    public const int BodyLimit = 64 * 1024;

    /// <summary>The route's FunctionName (+ <c>?Qualifier=</c> when <paramref name="queryQualifier"/>), parsed and
    /// checked for region/account; AWS's refusal otherwise.</summary>
    public static bool TryReference(HttpContext context, FunctionResolver resolver, bool queryQualifier, out FunctionReference reference, out LambdaError? error)
    {
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var rawName = context.GetRouteValue("FunctionName") as string ?? "";
        string? qualifier = queryQualifier && context.Request.Query.TryGetValue("Qualifier", out var q) ? q.ToString() : null;
        return resolver.TryParse(rawName, qualifier, out reference, out error);
    }

    /// <summary>The JSON body (an empty body is an empty document). Null with an error: AWS's answer to write;
    /// null without one: the answer is written already (413) or the client hung up.</summary>
    public static async Task<(T? Document, LambdaError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class, new()
    {
        var request = context.Request;
        var tooLarge = LambdaError.RequestEntityTooLarge($"Request must be smaller than {BodyLimit} bytes for this operation");
        if (request.ContentLength is > BodyLimit)
        {
            return (null, tooLarge);
        }
        var body = new PooledPayload();
        try
        {
            bool fits;
            try
            {
                (fits, _) = await LimitedBodyReader.ReadAsync(request.BodyReader, body, BodyLimit, context.RequestAborted).ConfigureAwait(false);
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
                return (new T(), null);
            }
            try
            {
                return JsonSerializer.Deserialize(body.ToArray(), type) is { } document
                    ? (document, null)
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

    /// <summary>Runs a registry change; a store that cannot write is AWS's ServiceException (nothing changed).</summary>
    public static Outcome<T> Change<T>(FunctionRegistry registry, Func<RegistrySnapshot, (RegistrySnapshot Next, Outcome<T> Result)> change)
    {
        try
        {
            return registry.Change(change);
        }
        catch (RegistryStoreException ex)
        {
            return LambdaError.ServiceException("The change could not be saved: " + ex.Message);
        }
    }

    public static Task WriteAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, type, "application/json");
    }

    public static Task WriteErrorAsync(HttpContext context, LambdaError? error) =>
        error is null ? Task.CompletedTask : LambdaErrors.WriteAsync(context, error);

    public static void NoContent(HttpContext context) => context.Response.StatusCode = StatusCodes.Status204NoContent;

    /// <summary>Far above any valid configuration, publish or tag body (4 KB of variables, 50 tags, a few ARNs).</summary>
    public const int SmallBodyLimit = 256 * 1024;

    /// <summary>AWS returns at most 50 items per list page, whatever MaxItems says (API reference, ListFunctions).</summary>
    public const int MaxPage = 50;

    /// <summary>Every answer carries a request id (SDKs log it; some read it).</summary>
    public static void Begin(HttpContext context) => context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();

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
