using Gateway.Functions.Layers;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Gateway.Security.Policies;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Lambda's layer version permissions on botocore's paths (2018-10-31; the rules: <see cref="LayerPolicyRules"/>):
/// <list type="bullet">
/// <item>POST   /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy?RevisionId=               AddLayerVersionPermission (201)</item>
/// <item>GET    /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy                           GetLayerVersionPolicy</item>
/// <item>DELETE /2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}?RevisionId=  RemoveLayerVersionPermission (204)</item>
/// </list>
/// Stored with the version (registry.db, so it survives a restart, and a delete of the version drops it) and answered
/// as AWS does; not enforced: every function here is the gateway's one account's, which needs no statement to use
/// its own layers.
/// </summary>
internal sealed class LayerPolicyEndpoints(ManagementContext context)
{
    private const string Policy = "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy";

    public static void Map(WebApplication app, ManagementContext context)
    {
        var endpoints = new LayerPolicyEndpoints(context);
        app.MapPost(Policy, endpoints.AddAsync);
        app.MapGet(Policy, endpoints.GetAsync);
        app.MapDelete(Policy + "/{StatementId}", endpoints.RemoveAsync);
    }

    private LayerRegistry Registry => context.Layers.Registry;

    public async Task AddAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        if (await ManagementHttp.ReadBodyAsync(http, ManagementJsonContext.Wire.AddLayerVersionPermissionRequest).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        // The path's layer name, then the body: both are model constraints, checked before the version is looked up.
        var target = ReadTarget(http);
        if ((target.Error is { ErrorType: "ValidationException" } ? target.Error : LayerPolicyRules.CheckBody(request) ?? target.Error) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementHttp.Saved(() => Registry.Change(target.Name, target.Version, version =>
            LayerPolicyRules.Add(version, target.LayerArn, target.Version, request, RevisionId(http))));
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(http, outcome.Error!).ConfigureAwait(false);
            return;
        }
        var (statement, revisionId) = outcome.Value;
        await ManagementHttp.WriteAsync(http, StatusCodes.Status201Created,
            new AddLayerVersionPermissionResponse { Statement = PolicyDocument.Render(statement), RevisionId = revisionId },
            ManagementJsonContext.Wire.AddLayerVersionPermissionResponse).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var target = ReadTarget(http);
        if (target.Error is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var outcome = LayerPolicyRules.Get(Registry.Current.TryGetLive(target.Name, target.Version, out var version) ? version : null, target.LayerArn, target.Version);
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(http, outcome.Error!).ConfigureAwait(false);
            return;
        }
        var policy = outcome.Value!;
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK,
            new GetLayerVersionPolicyResponse { Policy = PolicyDocument.Render(policy.Statements), RevisionId = policy.RevisionId },
            ManagementJsonContext.Wire.GetLayerVersionPolicyResponse).ConfigureAwait(false);
    }

    public async Task RemoveAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        string statementId = http.GetRouteValue("StatementId") as string ?? "";
        var target = ReadTarget(http);
        if ((target.Error is { ErrorType: "ValidationException" } ? target.Error : LayerPolicyRules.CheckStatementIdPath(statementId) ?? target.Error) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementHttp.Saved(() => Registry.Change(target.Name, target.Version, version =>
            LayerPolicyRules.Remove(version, target.LayerArn, target.Version, statementId, RevisionId(http))));
        if (!outcome.IsOk)
        {
            await ManagementHttp.ErrorAsync(http, outcome.Error!).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(http);
    }

    /// <summary>The layer version the path names. <see cref="Target.LayerArn"/> is the layer as AWS quotes it in "Layer
    /// version … does not exist.": the ARN given, or one built from the name. A layer ARN of another region or account
    /// is such a missing version (nothing of theirs is here).</summary>
    private Target ReadTarget(HttpContext http)
    {
        string raw = http.GetRouteValue("LayerName") as string ?? "";
        var nameError = LayerRules.ValidateLayerName(raw, context.Region, context.AccountId, out var name);
        var versionError = LayerRules.ValidateVersionNumber(http.GetRouteValue("VersionNumber") as string ?? "", out long number);
        string layerArn = raw.StartsWith("arn:", StringComparison.Ordinal) ? raw : LayerArns.LayerArn(context.Region, context.AccountId, name);
        var error = nameError is { ErrorType: "ValidationException" } ? nameError
            : versionError ?? (nameError is null ? null : LayerPolicyRules.VersionNotFound(layerArn, number));
        return new Target(name, number, layerArn, error);
    }

    private readonly record struct Target(string Name, long Version, string LayerArn, LambdaError? Error);

    /// <summary>The RevisionId query value; an empty one is none (as LocalStack reads AWS).</summary>
    private static string? RevisionId(HttpContext http) =>
        http.Request.Query.TryGetValue("RevisionId", out var value) && value.ToString().Length > 0 ? value.ToString() : null;
}
