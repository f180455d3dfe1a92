using Gateway.Functions.Registry;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Lambda's management API for functions, versions and tags, on botocore's paths (service-2.json, 2015-03-31 and
/// 2017-03-31), so <c>aws lambda create-function</c> and friends work unchanged:
/// <list type="bullet">
/// <item>POST   /2015-03-31/functions                                  CreateFunction (201)</item>
/// <item>GET    /2015-03-31/functions[/]                               ListFunctions</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}                   GetFunction</item>
/// <item>DELETE /2015-03-31/functions/{FunctionName}                   DeleteFunction (204)</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}/configuration     GetFunctionConfiguration</item>
/// <item>PUT    /2015-03-31/functions/{FunctionName}/configuration     UpdateFunctionConfiguration</item>
/// <item>PUT    /2015-03-31/functions/{FunctionName}/code              UpdateFunctionCode</item>
/// <item>POST   /2015-03-31/functions/{FunctionName}/versions          PublishVersion (201)</item>
/// <item>GET    /2015-03-31/functions/{FunctionName}/versions          ListVersionsByFunction</item>
/// <item>POST/GET/DELETE /2017-03-31/tags/{ARN}                        TagResource (204) / ListTags / UntagResource (204)</item>
/// <item>GET    /_gateway/code/{sha256-hex}.zip                        the zip GetFunction's Code.Location names</item>
/// </list>
/// </summary>
internal static class ManagementEndpoints
{
    private const string Functions = "/2015-03-31/functions";
    private const string Function = Functions + "/{FunctionName}";

    public static void MapFunctions(WebApplication app, ManagementContext context)
    {
        var functions = new FunctionEndpoints(context);
        var updates = new UpdateEndpoints(context);
        var versions = new VersionEndpoints(context);
        var tags = new TagEndpoints(context);

        app.MapPost(Functions, functions.CreateAsync);
        app.MapGet(Functions, functions.ListAsync); // routing also matches the trailing-slash form older clients send
        app.MapGet(Function, functions.GetAsync);
        app.MapDelete(Function, functions.DeleteAsync);
        app.MapGet(Function + "/configuration", functions.GetConfigurationAsync);
        app.MapPut(Function + "/configuration", updates.UpdateConfigurationAsync);
        app.MapPut(Function + "/code", updates.UpdateCodeAsync);
        app.MapPost(Function + "/versions", versions.PublishAsync);
        app.MapGet(Function + "/versions", versions.ListAsync);
        app.MapPost("/2017-03-31/tags/{Resource}", tags.TagAsync);
        app.MapGet("/2017-03-31/tags/{Resource}", tags.ListAsync);
        app.MapDelete("/2017-03-31/tags/{Resource}", tags.UntagAsync);
        app.MapGet("/_gateway/code/{File}", (HttpContext http) => ServeZipAsync(http, context));
        LayerEndpoints.Map(app, context);
        LayerPolicyEndpoints.Map(app, context);
    }

    /// <summary>Runs a change through the registry (serialised, persisted, applied, published). A store that cannot
    /// write is AWS's ServiceException: nothing changed.</summary>
    public static ChangeOutcome Change(ManagementContext context, Func<RegistrySnapshot, (RegistrySnapshot Next, ChangeOutcome Outcome)> change)
    {
        try
        {
            return context.Registry.Change(change);
        }
        catch (RegistryConflictException ex)
        {
            // Cluster mode: other nodes kept winning the race to commit (FunctionRegistry.MaxConflictAttempts).
            return ChangeOutcome.Refused(LambdaError.ResourceConflict(ex.Message));
        }
        catch (RegistryStoreException ex)
        {
            return ChangeOutcome.Refused(LambdaError.ServiceException("The change could not be saved: " + ex.Message));
        }
    }

    /// <summary>
    /// The second step of a create or update: after the change that left $LATEST Pending or InProgress, another
    /// change settles it (Active/Successful), which is what <c>aws lambda wait function-active-v2</c> and
    /// <c>function-updated-v2</c> wait for. The code folder is in place before the first change, so nothing is left
    /// to wait for: by default it settles right away; <c>--state-settle-ms</c> holds the state that long first, as
    /// AWS's does. A failed save here leaves the function Pending/InProgress, which a later update cannot clear, so
    /// it is retried once (and a restart settles what is left, <see cref="SettleLeftovers"/>).
    /// </summary>
    public static void Settle(ManagementContext context, string name, string latestRevisionId)
    {
        if (context.Options.StateSettleMilliseconds > 0)
        {
            _ = SettleLaterAsync(context, name, latestRevisionId);
            return;
        }
        SettleNow(context.Registry, name, latestRevisionId);
    }

    private static async Task SettleLaterAsync(ManagementContext context, string name, string latestRevisionId)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(context.Options.StateSettleMilliseconds), context.Time).ConfigureAwait(false);
        SettleNow(context.Registry, name, latestRevisionId);
    }

    /// <summary>At start: a function a stopped gateway left Pending or InProgress (its settling was still to come)
    /// settles now; its code is in place, and nothing else would ever settle it.</summary>
    public static int SettleLeftovers(FunctionRegistry registry)
    {
        int settled = 0;
        foreach (var function in registry.Current.All)
        {
            if (!FunctionStates.IsSettled(function.Latest) || function.Versions.Values.Any(v => !FunctionStates.IsSettled(v)))
            {
                SettleNow(registry, function.Name, function.Latest.RevisionId);
                settled++;
            }
        }
        return settled;
    }

    private static void SettleNow(FunctionRegistry registry, string name, string latestRevisionId)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                registry.Change(s => FunctionChanges.Settle(s, name, latestRevisionId));
                return;
            }
            catch (RegistryStoreException)
            {
                // retried once; then the state stays as the first change left it
            }
        }
    }

    /// <summary>Name (+ Qualifier) → the function, the version to show and the ARN to echo (AWS echoes the form asked
    /// for: unqualified, <c>:$LATEST</c>, <c>:N</c>, <c>:alias</c>); or AWS's error (a missing version or alias:
    /// "Function not found: {arn}:{qualifier}", LS-REC test_ops_on_nonexisting_version). A missing function asked for
    /// with a qualifier names it too, as asked (LS-REC test_ops_with_arn_qualifier_mismatch[get_function]:
    /// "…:function:some-function:$LATEST"; lowercase_latest_qualifier-get_function: "…:my-function:$latest").</summary>
    public static (FunctionRecord? Function, VersionRecord? Version, string? Arn, LambdaError? Error) Resolve(HttpContext http, ManagementContext context)
    {
        var rawName = http.GetRouteValue("FunctionName") as string ?? "";
        var resolver = context.Resolver;
        if (!resolver.TryParse(rawName, ManagementHttp.Qualifier(http), out var reference, out var error))
        {
            return (null, null, null, error);
        }
        if (!resolver.TryFindFunction(resolver.Registry.Current, reference, out var function, out error))
        {
            return (null, null, null, reference.Qualifier is { } qualifier
                ? LambdaError.ResourceNotFound($"Function not found: {resolver.ArnOf(reference.Name)}:{qualifier}")
                : error);
        }
        if (resolver.TryResolveQualifier(function, reference.Qualifier, pickWeighted: false, out var target, out error))
        {
            return (function, target.Version, target.InvokedArn, null);
        }
        return (null, null, null, error);
    }

    private static async Task ServeZipAsync(HttpContext http, ManagementContext context)
    {
        ManagementHttp.Begin(http);
        if (context.Code.ZipFileFor(http.GetRouteValue("File") as string ?? "", context.Registry.Current) is not { } path)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.ResourceNotFound("The resource you requested does not exist.")).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "application/zip";
        await http.Response.SendFileAsync(path, http.RequestAborted).ConfigureAwait(false);
    }
}
