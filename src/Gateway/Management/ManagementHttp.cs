using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Functions;
using Gateway.Functions.Registry;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;
using Gateway.Invocations;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// The HTTP plumbing the alias and concurrency endpoints share, so each endpoint stays a few lines over its pure
/// rules: the FunctionName route value through <see cref="FunctionResolver.TryParse"/>, a capped JSON body, a
/// registry change whose store failure becomes a ServiceException, and AWS-shaped answers.
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
}
