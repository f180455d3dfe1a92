using Gateway.Functions.Code;
using Gateway.Functions.Layers;
using Gateway.Functions.Registry;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Lambda's Layers API on botocore's paths (service-2.json, 2018-10-31), so <c>aws lambda publish-layer-version</c> and
/// friends work unchanged:
/// <list type="bullet">
/// <item>POST   /2018-10-31/layers/{LayerName}/versions                 PublishLayerVersion (201)</item>
/// <item>GET    /2018-10-31/layers/{LayerName}/versions                 ListLayerVersions</item>
/// <item>GET    /2018-10-31/layers/{LayerName}/versions/{VersionNumber} GetLayerVersion</item>
/// <item>DELETE /2018-10-31/layers/{LayerName}/versions/{VersionNumber} DeleteLayerVersion (204)</item>
/// <item>GET    /2018-10-31/layers?find=LayerVersion&amp;Arn=…              GetLayerVersionByArn</item>
/// <item>GET    /2018-10-31/layers                                      ListLayers</item>
/// </list>
/// A layer's zip is kept in the code store like a function's (Content.Location serves it).
/// </summary>
internal sealed class LayerEndpoints(ManagementContext context)
{
    private const string Layers = "/2018-10-31/layers";
    private const string Versions = Layers + "/{LayerName}/versions";

    public static void Map(WebApplication app, ManagementContext context)
    {
        var endpoints = new LayerEndpoints(context);
        app.MapPost(Versions, endpoints.PublishAsync);
        app.MapGet(Versions, endpoints.ListVersionsAsync);
        app.MapGet(Versions + "/{VersionNumber}", endpoints.GetAsync);
        app.MapDelete(Versions + "/{VersionNumber}", endpoints.DeleteAsync);
        app.MapGet(Layers, endpoints.ListOrFindAsync);
    }

    private LayerRegistry Registry => context.Layers.Registry;

    /// <summary>POST …/layers/{LayerName}/versions → 201 the new version (numbers are never reused).</summary>
    public async Task PublishAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        if (LayerRules.ValidateLayerName(RouteValue(http, "LayerName"), context.Region, context.AccountId, out var name) is { } nameError)
        {
            await ManagementHttp.ErrorAsync(http, nameError).ConfigureAwait(false);
            return;
        }
        using var upload = await context.Code.ReadAsync(http, ManagementJsonContext.Wire.PublishLayerVersionRequest,
            ManagementBodyLimits.PublishLayerVersion, ZipFileLocation.Code).ConfigureAwait(false);
        if (upload.Request is not { } request)
        {
            if (upload.Error is { } readError)
            {
                await ManagementHttp.ErrorAsync(http, readError).ConfigureAwait(false);
            }
            return;
        }
        if (LayerRules.ValidatePublish(request, upload.Zip is not null) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        // Stored and extracted now: a corrupt zip or one over 250 MB unzipped is refused here, as on AWS, and the
        // extraction is what merges reuse.
        if (context.Code.Install(upload.Zip!, out var installed) is { } codeError)
        {
            await ManagementHttp.ErrorAsync(http, codeError).ConfigureAwait(false);
            return;
        }
        var now = context.Time.GetUtcNow();
        var layerArn = LayerArns.LayerArn(context.Region, context.AccountId, name);
        LayerVersionRecord published;
        try
        {
            published = Registry.Publish(name, number => new LayerVersionRecord
            {
                LayerName = name,
                LayerArn = layerArn,
                Version = number,
                Description = request.Description ?? "",
                LicenseInfo = request.LicenseInfo,
                CompatibleRuntimes = request.CompatibleRuntimes is { } runtimes ? [.. runtimes] : null,
                CompatibleArchitectures = request.CompatibleArchitectures is { } architectures ? [.. architectures] : null,
                CreatedDate = now,
                CodeSha256 = installed!.CodeSha256,
                Sha256Hex = CodePackages.HexOf(installed.CodeSha256),
                CodeSize = installed.CodeSize,
                UnzippedSize = installed.UnzippedSize,
            });
        }
        catch (RegistryStoreException ex)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.ServiceException("The layer could not be saved: " + ex.Message)).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(http, StatusCodes.Status201Created, LayerJson.From(published, CodePackages.LocationOf(http.Request, published.CodeSha256, context)),
            ManagementJsonContext.Wire.LayerVersionResponse).ConfigureAwait(false);
    }

    /// <summary>GET …/layers/{LayerName}/versions/{VersionNumber}: the version, or 404 (a missing layer and a missing
    /// version answer alike, LS-REC).</summary>
    public async Task GetAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        long number = 0;
        var error = LayerRules.ValidateLayerName(RouteValue(http, "LayerName"), context.Region, context.AccountId, out var name)
            ?? LayerRules.ValidateVersionNumber(RouteValue(http, "VersionNumber"), out number);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        await AnswerVersionAsync(http, name, number).ConfigureAwait(false);
    }

    /// <summary>DELETE …/layers/{LayerName}/versions/{VersionNumber} → 204, also when there is nothing to delete
    /// (LS-REC delete_nonexistent_response). Functions that use it keep it.</summary>
    public async Task DeleteAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        // AWS checks the number before the name resolves (LS-REC: -1 on any layer answers "cannot be less than 1").
        string name = "";
        var error = LayerRules.ValidateVersionNumber(RouteValue(http, "VersionNumber"), out long number)
            ?? LayerRules.ValidateLayerName(RouteValue(http, "LayerName"), context.Region, context.AccountId, out name);
        if (error is not null)
        {
            if (error.ErrorType == "ResourceNotFoundException")
            {
                ManagementHttp.NoContent(http); // another region's or account's layer: nothing here to delete
                return;
            }
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        try
        {
            Registry.Delete(name, number);
        }
        catch (RegistryStoreException ex)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.ServiceException("The layer version could not be deleted: " + ex.Message)).ConfigureAwait(false);
            return;
        }
        ManagementHttp.NoContent(http);
    }

    /// <summary>GET …/layers/{LayerName}/versions?CompatibleRuntime=&amp;CompatibleArchitecture=&amp;Marker=&amp;MaxItems=:
    /// newest first; a layer that does not exist is an empty list (LS-REC list_nonexistent_layer).</summary>
    public async Task ListVersionsAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var query = http.Request.Query;
        string? runtime = Optional(query, "CompatibleRuntime");
        string? architecture = Optional(query, "CompatibleArchitecture");
        if (LayerRules.ValidateListFilters(runtime, architecture) is { } filterError)
        {
            await ManagementHttp.ErrorAsync(http, filterError).ConfigureAwait(false);
            return;
        }
        var nameError = LayerRules.ValidateLayerName(RouteValue(http, "LayerName"), context.Region, context.AccountId, out var name);
        if (nameError is { ErrorType: not "ResourceNotFoundException" })
        {
            await ManagementHttp.ErrorAsync(http, nameError).ConfigureAwait(false);
            return;
        }
        if (!Paging.TryRead(query, modelMax: 50, defaultPage: 50, out int pageSize, out var marker, out var pagingError))
        {
            await ManagementHttp.ErrorAsync(http, pagingError!).ConfigureAwait(false);
            return;
        }
        var versions = nameError is null
            ? Registry.Current.LiveVersionsNewestFirst(name).Where(v => LayerRules.Matches(v, runtime, architecture)).ToList()
            : [];
        // Newest first, so the marker is the version number descending: a zero-padded inverse keeps ordinal order.
        var (page, next) = Paging.Page(versions, v => VersionKey(v.Version), marker, pageSize);
        var response = new ListLayerVersionsResponse { LayerVersions = page.ConvertAll(LayerJson.ListItem), NextMarker = next };
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, response, ManagementJsonContext.Wire.ListLayerVersionsResponse).ConfigureAwait(false);
    }

    /// <summary>GET /2018-10-31/layers: GetLayerVersionByArn when <c>find=LayerVersion</c>, else ListLayers.</summary>
    public Task ListOrFindAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        return http.Request.Query.TryGetValue("find", out var find) && find.ToString() == "LayerVersion"
            ? FindAsync(http)
            : ListAsync(http);
    }

    /// <summary>GetLayerVersionByArn: a layer version ARN (a layer ARN without the number is AWS's ValidationException
    /// quoting the pattern, LS-REC get_layer_version_by_arn_exc_invalidarn).</summary>
    private async Task FindAsync(HttpContext http)
    {
        var arn = http.Request.Query["Arn"].ToString();
        if (!LayerArns.IsLayerVersionArn(arn))
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.Validation($"1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: {LayerArns.LayerVersionArnPattern}")).ConfigureAwait(false);
            return;
        }
        if (!LayerArns.TryParseVersionArn(arn, out var reference) || reference.Region != context.Region || reference.AccountId != context.AccountId)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.ResourceNotFound(LayerRules.NotFound)).ConfigureAwait(false);
            return;
        }
        if (reference.Version < 1)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue(LayerRules.VersionBelowOne)).ConfigureAwait(false);
            return;
        }
        await AnswerVersionAsync(http, reference.LayerName, reference.Version).ConfigureAwait(false);
    }

    /// <summary>ListLayers?CompatibleRuntime=&amp;CompatibleArchitecture=&amp;Marker=&amp;MaxItems=: each layer with its
    /// newest version that matches the filters (layers with none are left out), by name.</summary>
    private async Task ListAsync(HttpContext http)
    {
        var query = http.Request.Query;
        string? runtime = Optional(query, "CompatibleRuntime");
        string? architecture = Optional(query, "CompatibleArchitecture");
        if (LayerRules.ValidateListFilters(runtime, architecture) is { } filterError)
        {
            await ManagementHttp.ErrorAsync(http, filterError).ConfigureAwait(false);
            return;
        }
        if (!Paging.TryRead(query, modelMax: 50, defaultPage: 50, out int pageSize, out var marker, out var pagingError))
        {
            await ManagementHttp.ErrorAsync(http, pagingError!).ConfigureAwait(false);
            return;
        }
        var snapshot = Registry.Current;
        var layers = new List<LayersListItem>();
        foreach (var name in snapshot.Names)
        {
            var latest = snapshot.LiveVersionsNewestFirst(name).FirstOrDefault(v => LayerRules.Matches(v, runtime, architecture));
            if (latest is not null)
            {
                layers.Add(new LayersListItem { LayerName = name, LayerArn = latest.LayerArn, LatestMatchingVersion = LayerJson.ListItem(latest) });
            }
        }
        var (page, next) = Paging.Page(layers, l => l.LayerName!, marker, pageSize);
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, new ListLayersResponse { Layers = page, NextMarker = next },
            ManagementJsonContext.Wire.ListLayersResponse).ConfigureAwait(false);
    }

    private async Task AnswerVersionAsync(HttpContext http, string name, long number)
    {
        if (!Registry.Current.TryGetLive(name, number, out var version))
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.ResourceNotFound(LayerRules.NotFound)).ConfigureAwait(false);
            return;
        }
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, LayerJson.From(version, CodePackages.LocationOf(http.Request, version.CodeSha256, context)),
            ManagementJsonContext.Wire.LayerVersionResponse).ConfigureAwait(false);
    }

    private static string RouteValue(HttpContext http, string key) => http.GetRouteValue(key) as string ?? "";

    private static string? Optional(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var value) && value.ToString().Length > 0 ? value.ToString() : null;

    /// <summary>A marker that sorts newest first: the distance from long.MaxValue, zero-padded.</summary>
    private static string VersionKey(long version) => (long.MaxValue - version).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
