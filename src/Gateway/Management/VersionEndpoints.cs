using Gateway.Functions;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>PublishVersion (POST …/versions, 201) and ListVersionsByFunction (GET …/versions).</summary>
internal sealed class VersionEndpoints(ManagementContext context)
{
    /// <summary>
    /// POST /2015-03-31/functions/{FunctionName}/versions → 201 with the new version's configuration under its
    /// qualified ARN; the newest version when nothing changed since it (still 201).
    /// </summary>
    public async Task PublishAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var rawName = http.GetRouteValue("FunctionName") as string ?? "";
        if (!context.Resolver.TryParse(rawName, null, out var reference, out var nameError))
        {
            await ManagementHttp.ErrorAsync(http, nameError!).ConfigureAwait(false);
            return;
        }
        if (reference.Qualifier is { } qualifier && qualifier != FunctionVersions.Latest)
        {
            await ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue(UpdateEndpoints.UnqualifiedOnly)).ConfigureAwait(false);
            return;
        }
        var (request, bodyError) = await JsonBodyReader.ReadAsync(http, ManagementJsonContext.Wire.PublishVersionRequest, ManagementHttp.SmallBodyLimit, static () => new PublishVersionRequest(), nullIsEmpty: true).ConfigureAwait(false);
        if (request is null)
        {
            if (bodyError is not null)
            {
                await ManagementHttp.ErrorAsync(http, bodyError).ConfigureAwait(false);
            }
            return;
        }
        var errors = new ValidationErrors();
        FunctionRules.CheckDescription(request.Description, errors);
        if (errors.ToError() is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var arn = context.Resolver.ArnOf(reference.Name);
        var outcome = ManagementEndpoints.Change(context, s => FunctionChanges.Publish(s, reference.Name, arn, request.CodeSha256, request.RevisionId, request.Description));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        var version = outcome.Version!;
        await ManagementHttp.WriteAsync(http, StatusCodes.Status201Created, FunctionConfigurationJson.From(version, version.Arn),
            ManagementJsonContext.Wire.FunctionConfiguration).ConfigureAwait(false);
    }

    /// <summary>GET /2015-03-31/functions/{FunctionName}/versions?Marker=&amp;MaxItems= → $LATEST (qualified ARN), then
    /// versions in numeric order (LS-REC test_version_lifecycle).</summary>
    public async Task ListAsync(HttpContext http)
    {
        ManagementHttp.Begin(http);
        var rawName = http.GetRouteValue("FunctionName") as string ?? "";
        var resolver = context.Resolver;
        if (!resolver.TryParse(rawName, null, out var reference, out var error)
            || !resolver.TryFindFunction(resolver.Registry.Current, reference, out var function, out error))
        {
            await ManagementHttp.ErrorAsync(http, error!).ConfigureAwait(false);
            return;
        }
        if (ManagementHttp.ReadMaxItems(http, out int maxItems) is { } maxError)
        {
            await ManagementHttp.ErrorAsync(http, maxError).ConfigureAwait(false);
            return;
        }
        var ordered = Pagination.Ordered([function], allVersions: true);
        var (page, next) = Pagination.Page(ordered, http.Request.Query["Marker"].ToString(), maxItems);
        var response = new ListVersionsByFunctionResponse
        {
            Versions = page.Select(v => FunctionConfigurationJson.From(v, FunctionConfigurationJson.ListArn(v, qualifyLatest: true), listItem: true)).ToList(),
            NextMarker = next,
        };
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, response, ManagementJsonContext.Wire.ListVersionsByFunctionResponse).ConfigureAwait(false);
    }
}
