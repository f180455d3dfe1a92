using System.Globalization;
using Gateway.Functions;
using Gateway.Invoke;
using Gateway.Json;
using Gateway.Management;
using Microsoft.AspNetCore.Http;

namespace Gateway.Async.EventInvokeConfig;

/// <summary>
/// AWS's FunctionEventInvokeConfig API (version 2019-09-25) on AWS's paths, with botocore's shapes and AWS's
/// errors, so <c>aws lambda put-function-event-invoke-config</c> and friends work unchanged:
/// <list type="bullet">
/// <item>PUT    /2019-09-25/functions/{FunctionName}/event-invoke-config       Put (replace)</item>
/// <item>POST   /2019-09-25/functions/{FunctionName}/event-invoke-config       Update (merge)</item>
/// <item>GET    /2019-09-25/functions/{FunctionName}/event-invoke-config       Get</item>
/// <item>DELETE /2019-09-25/functions/{FunctionName}/event-invoke-config       Delete (204)</item>
/// <item>GET    /2019-09-25/functions/{FunctionName}/event-invoke-config/list  List (MaxItems, Marker)</item>
/// </list>
/// FunctionName is a name, partial ARN or ARN, as for Invoke, with a qualifier (version or alias) in the name or in
/// <c>?Qualifier=</c>; an unqualified name is $LATEST, as on AWS.
/// </summary>
internal sealed class EventInvokeConfigEndpoints(EventInvokeConfigRegistry registry, FunctionResolver resolver)
{
    private const string Path = "/2019-09-25/functions/{FunctionName}/event-invoke-config";

    /// <summary>Far above any valid body (two 350-character destinations and two numbers).</summary>
    private const int BodyLimit = 64 * 1024;

    public static void Map(WebApplication app, EventInvokeConfigRegistry registry, FunctionResolver resolver)
    {
        var endpoints = new EventInvokeConfigEndpoints(registry, resolver);
        app.MapPut(Path, endpoints.PutAsync);
        app.MapPost(Path, endpoints.UpdateAsync);
        app.MapGet(Path, endpoints.GetAsync);
        app.MapDelete(Path, endpoints.DeleteAsync);
        app.MapGet(Path + "/list", endpoints.ListAsync);
    }

    private enum Operation
    {
        Put,
        Update,
        Get,
        Delete,
        List,
    }

    public Task PutAsync(HttpContext context) => WriteAsync(context, Operation.Put);

    public Task UpdateAsync(HttpContext context) => WriteAsync(context, Operation.Update);

    private async Task WriteAsync(HttpContext context, Operation operation)
    {
        ManagementHttp.Begin(context);
        // The body first: AWS checks the request's own settings before it looks for the function, so a Put with no
        // settings for a missing function is "You must specify at least one …" (LS-REC put_functionname_nootherargs).
        var (document, bodyError) = await JsonBodyReader.ReadAsync(context, AwsJsonContext.Default.EventInvokeConfigDocument, BodyLimit,
            static () => new EventInvokeConfigDocument(), nullIsEmpty: false).ConfigureAwait(false);
        if (document is null)
        {
            if (bodyError is not null)
            {
                await LambdaErrors.WriteAsync(context, bodyError).ConfigureAwait(false);
            }
            return;
        }
        if ((EventInvokeConfigRules.ValidateLimits(document) ?? EventInvokeConfigRules.ValidateNotEmpty(document)) is { } invalid)
        {
            await WriteErrorAsync(context, invalid).ConfigureAwait(false);
            return;
        }
        if (await ResolveAsync(context, operation).ConfigureAwait(false) is not { } target)
        {
            return;
        }
        FunctionEventInvokeConfig? config = null;
        if (await TryChangeAsync(context, () => operation == Operation.Put
            ? registry.Put(target.Name, document, out config, target.Key)
            : registry.Update(target.Name, document, out config, target.Key)).ConfigureAwait(false))
        {
            await WriteJsonAsync(context, config!.ToResponse(registry.QualifiedArn(target.Name, target.Key))).ConfigureAwait(false);
        }
    }

    public async Task GetAsync(HttpContext context)
    {
        ManagementHttp.Begin(context);
        if (await ResolveAsync(context, Operation.Get).ConfigureAwait(false) is not { } target)
        {
            return;
        }
        if (registry.Get(target.Name, target.Key) is not { } config)
        {
            await WriteErrorAsync(context, registry.NoConfig(target.Name, target.Key)).ConfigureAwait(false);
            return;
        }
        await WriteJsonAsync(context, config.ToResponse(registry.QualifiedArn(target.Name, target.Key))).ConfigureAwait(false);
    }

    public async Task DeleteAsync(HttpContext context)
    {
        ManagementHttp.Begin(context);
        if (await ResolveAsync(context, Operation.Delete).ConfigureAwait(false) is not { } target)
        {
            return;
        }
        if (await TryChangeAsync(context, () => registry.Delete(target.Name, target.Key)).ConfigureAwait(false))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
    }

    /// <summary>Runs a change (saved to disk before it takes effect); answers its AWS error, or a failed save, and returns false.</summary>
    private static async Task<bool> TryChangeAsync(HttpContext context, Func<ConfigError?> change)
    {
        ConfigError? error;
        try
        {
            error = change();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await LambdaErrors.ServiceException(context, "The configuration could not be saved: " + ex.Message).ConfigureAwait(false);
            return false;
        }
        if (error is { } e)
        {
            await WriteErrorAsync(context, e).ConfigureAwait(false);
            return false;
        }
        return true;
    }

    public async Task ListAsync(HttpContext context)
    {
        ManagementHttp.Begin(context);
        if (await ResolveAsync(context, Operation.List).ConfigureAwait(false) is not { } target)
        {
            return;
        }
        var query = context.Request.Query;
        int maxItems = 50;
        if (query.TryGetValue("MaxItems", out var maxText))
        {
            if (!int.TryParse(maxText.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxItems))
            {
                await LambdaErrors.Validation(context, $"1 validation error detected: Value '{maxText}' at 'maxItems' failed to satisfy constraint: Member must be a number").ConfigureAwait(false);
                return;
            }
            if (maxItems is < 1 or > 50)
            {
                await LambdaErrors.Validation(context, maxItems < 1
                    ? $"1 validation error detected: Value '{maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
                    : $"1 validation error detected: Value '{maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50").ConfigureAwait(false);
                return;
            }
        }

        // Configs in FunctionArn order; the marker is the FunctionArn the next page starts at. The page starts at the
        // first config at or after it, not at it: a config deleted between two pages (the marker's own) must not end
        // the listing there, which paginators take for its end, silently dropping the rest. (A marker that was never
        // an ARN of this list starts the page at the first config after it in that order.)
        var all = registry.All(target.Name).ConvertAll(c => c.Config.ToResponse(registry.QualifiedArn(target.Name, c.Qualifier)));
        int start = 0;
        var marker = query["Marker"].ToString();
        if (marker.Length > 0)
        {
            start = all.FindIndex(c => string.CompareOrdinal(c.FunctionArn, marker) >= 0);
            if (start < 0)
            {
                start = all.Count;
            }
        }
        int end = Math.Min(all.Count, start + maxItems);
        await WriteJsonAsync(context, new ListFunctionEventInvokeConfigsResponse
        {
            FunctionEventInvokeConfigs = all.GetRange(start, end - start),
            NextMarker = end < all.Count ? all[end].FunctionArn : null,
        }).ConfigureAwait(false);
    }

    /// <summary>FunctionName (+ Qualifier) → an existing function and qualifier (null: unqualified, i.e. $LATEST),
    /// through <see cref="FunctionResolver"/>; otherwise writes AWS's error for this operation and returns null.</summary>
    private async Task<Target?> ResolveAsync(HttpContext context, Operation operation)
    {
        var rawName = context.GetRouteValue("FunctionName") as string ?? "";
        var query = context.Request.Query;
        string? queryQualifier = operation != Operation.List && query.ContainsKey("Qualifier") ? query["Qualifier"].ToString() : null;
        if (!resolver.TryParse(rawName, queryQualifier, out var reference, out var error))
        {
            await LambdaErrors.WriteAsync(context, error!).ConfigureAwait(false);
            return null;
        }
        // A missing function, version or alias: AWS's message depends on the operation — Get/Delete say there is no
        // config for that ARN, the others that there is no function (LS-REC test_lambda_eventinvokeconfig_exceptions).
        string? qualifier = operation == Operation.List ? null : reference.Qualifier;
        bool exists = resolver.Registry.Current.TryGet(reference.Name, out var function)
            && (qualifier is null || resolver.TryResolveQualifier(function, qualifier, pickWeighted: false, out _, out _));
        if (!exists)
        {
            await WriteErrorAsync(context, operation is Operation.Get or Operation.Delete
                ? registry.NoConfig(reference.Name, qualifier)
                : EventInvokeConfigRegistry.NoFunction).ConfigureAwait(false);
            return null;
        }
        return new Target(reference.Name, qualifier);
    }

    /// <summary>A function and the qualifier its config is kept under (null and "$LATEST" are the same config).</summary>
    private readonly record struct Target(string Name, string? Qualifier)
    {
        public string? Key => Qualifier == FunctionVersions.Latest ? null : Qualifier;
    }

    private static Task WriteErrorAsync(HttpContext context, ConfigError error) => error.Kind switch
    {
        ConfigErrorKind.Validation => LambdaErrors.Validation(context, error.Message),
        ConfigErrorKind.InvalidParameterValue => LambdaErrors.InvalidParameterValue(context, error.Message),
        _ => LambdaErrors.ResourceNotFound(context, error.Message),
    };

    private static Task WriteJsonAsync(HttpContext context, FunctionEventInvokeConfigResponse value)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return context.Response.WriteAsJsonAsync(value, AwsJsonContext.Default.FunctionEventInvokeConfigResponse, "application/json");
    }

    private static Task WriteJsonAsync(HttpContext context, ListFunctionEventInvokeConfigsResponse value)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return context.Response.WriteAsJsonAsync(value, AwsJsonContext.Default.ListFunctionEventInvokeConfigsResponse, "application/json");
    }
}
