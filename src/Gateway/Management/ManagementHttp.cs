using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using FunctionRegistry = Gateway.Functions.Registry.FunctionRegistry;
using Gateway.Functions.Registry;
using Gateway.Functions;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// The HTTP plumbing every management endpoint shares, so each endpoint stays a few lines over its pure rules: the
/// request id, the FunctionName route value through <see cref="FunctionResolver.TryParse"/>, capped JSON bodies (limits here, read by <see cref="JsonBodyReader"/>), a
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

    /// <summary>The route's function and a JSON body within <see cref="BodyLimit"/>; null when AWS's answer is written
    /// already (a bad name, a bad or too-large body) or the client went away.</summary>
    public static async Task<(FunctionReference Reference, T Document)?> ReadRequestAsync<T>(HttpContext context, FunctionResolver resolver, bool queryQualifier, JsonTypeInfo<T> type)
        where T : class, new()
    {
        if (!TryReference(context, resolver, queryQualifier, out var reference, out var error))
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return null;
        }
        return await ReadBodyAsync(context, type).ConfigureAwait(false) is { } document ? (reference, document) : null;
    }

    /// <summary>A JSON body within <see cref="BodyLimit"/> (empty: an empty document; a literal null: refused as AWS
    /// does); null when AWS's answer is written already or the client went away.</summary>
    public static async Task<T?> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class, new()
    {
        var (document, error) = await JsonBodyReader.ReadAsync(context, type, BodyLimit, static () => new T(), nullIsEmpty: false).ConfigureAwait(false);
        if (document is null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
        }
        return document;
    }

    /// <summary>Runs a change of a store (resource policies, layers, function URLs); a store that cannot write is AWS's
    /// ServiceException (nothing changed).</summary>
    public static Outcome<T> Saved<T>(Func<Outcome<T>> change)
    {
        try
        {
            return change();
        }
        catch (RegistryStoreException ex)
        {
            return LambdaError.ServiceException("The change could not be saved: " + ex.Message);
        }
    }

    /// <summary>Runs a registry change; a store that cannot write is AWS's ServiceException (nothing changed).</summary>
    public static Outcome<T> Change<T>(FunctionRegistry registry, Func<RegistrySnapshot, (RegistrySnapshot Next, Outcome<T> Result)> change)
    {
        try
        {
            return registry.Change(change);
        }
        catch (RegistryConflictException ex)
        {
            // Cluster mode: other nodes kept winning the race to commit (FunctionRegistry.MaxConflictAttempts).
            return LambdaError.ResourceConflict(ex.Message);
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

    /// <summary>A 200 whose members <paramref name="members"/> writes, in that order: for the fixed answers of
    /// resources that cannot exist here (<c>{}</c>, an empty list), which need no document type.</summary>
    public static async Task WriteMembersAsync(HttpContext context, Action<System.Text.Json.Utf8JsonWriter> members)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        using (var json = new System.Text.Json.Utf8JsonWriter(context.Response.BodyWriter))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A 200 holding one empty list named <paramref name="member"/> (a List operation with nothing to list).</summary>
    public static Task WriteEmptyListAsync(HttpContext context, string member) => WriteMembersAsync(context, json =>
    {
        json.WriteStartArray(member);
        json.WriteEndArray();
    });

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
