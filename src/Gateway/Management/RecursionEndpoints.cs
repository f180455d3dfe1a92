using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Recursive-loop detection's setting on botocore's paths; the rules are <see cref="RecursionRules"/> (kept and
/// answered only: the gateway detects no loops):
/// <list type="bullet">
/// <item>PUT /2024-08-31/functions/{FunctionName}/recursion-config  PutFunctionRecursionConfig → the stored value</item>
/// <item>GET /2024-08-31/functions/{FunctionName}/recursion-config  GetFunctionRecursionConfig → it, or AWS's default
/// <c>{"RecursiveLoop":"Terminate"}</c></item>
/// </list>
/// </summary>
internal static class RecursionEndpoints
{
    private const string Path = "/2024-08-31/functions/{FunctionName}/recursion-config";

    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app, ManagementContext context)
    {
        app.MapGet(Path, (RequestDelegate)(http => GetAsync(http, context)));
        app.MapPut(Path, (RequestDelegate)(http => PutAsync(http, context)));
    }

    private static Task GetAsync(HttpContext http, ManagementContext context)
    {
        ManagementHttp.Begin(http);
        var (function, _, _, error) = ManagementEndpoints.Resolve(http, context);
        return error is not null
            ? ManagementHttp.ErrorAsync(http, error)
            : Answer(http, function!.RecursiveLoop);
    }

    /// <summary>The model's checks (an unqualified name, RecursiveLoop in its enum), then the function.</summary>
    private static async Task PutAsync(HttpContext http, ManagementContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(http, context.Resolver, queryQualifier: false, ManagementJsonContext.Wire.RecursionConfigDocument).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var (reference, document) = request;
        var invalid = reference.Qualifier is not null
            ? ValidationMessages.Single(http.GetRouteValue("FunctionName") as string ?? "", "functionName",
                "Member must satisfy regular expression pattern: " + RecursionRules.UnqualifiedNamePattern)
            : RecursionRules.Validate(document.RecursiveLoop);
        if (invalid is not null)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        string arn = context.Resolver.ArnOf(reference.Name);
        var outcome = ManagementHttp.Change(context.Registry, s => RecursionRules.Put(s, reference.Name, arn, document.RecursiveLoop!));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        await Answer(http, outcome.Value!).ConfigureAwait(false);
    }

    private static Task Answer(HttpContext http, string recursiveLoop) =>
        ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, new RecursionConfigDocument { RecursiveLoop = recursiveLoop },
            ManagementJsonContext.Wire.RecursionConfigDocument);
}
