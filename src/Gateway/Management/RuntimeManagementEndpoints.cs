using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Runtime version management on botocore's paths, per version (<c>?Qualifier=</c>: $LATEST, a number, or an alias
/// for its version); the rules are <see cref="RuntimeManagementRules"/> (kept and answered only: the gateway has one
/// build of each runtime):
/// <list type="bullet">
/// <item>PUT /2021-07-20/functions/{FunctionName}/runtime-management-config[?Qualifier=]  PutRuntimeManagementConfig</item>
/// <item>GET /2021-07-20/functions/{FunctionName}/runtime-management-config[?Qualifier=]  GetRuntimeManagementConfig →
/// the stored mode, or AWS's default <c>{"UpdateRuntimeOn":"Auto","FunctionArn":…}</c></item>
/// </list>
/// FunctionArn echoes the form asked for, as GetFunctionConfiguration's does.
/// </summary>
internal static class RuntimeManagementEndpoints
{
    private const string Path = "/2021-07-20/functions/{FunctionName}/runtime-management-config";

    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app, ManagementContext context)
    {
        app.MapGet(Path, (RequestDelegate)(http => GetAsync(http, context)));
        app.MapPut(Path, (RequestDelegate)(http => PutAsync(http, context)));
    }

    private static Task GetAsync(HttpContext http, ManagementContext context)
    {
        ManagementHttp.Begin(http);
        var (_, version, arn, error) = ManagementEndpoints.Resolve(http, context);
        if (error is not null)
        {
            return ManagementHttp.ErrorAsync(http, error);
        }
        var answer = new GetRuntimeManagementConfigResponse
        {
            UpdateRuntimeOn = version!.UpdateRuntimeOn,
            RuntimeVersionArn = version.RuntimeVersionArn,
            FunctionArn = arn!,
        };
        return ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, answer, ManagementJsonContext.Wire.GetRuntimeManagementConfigResponse);
    }

    /// <summary>The model's checks on the body first, then the function and version, then the change.</summary>
    private static async Task PutAsync(HttpContext http, ManagementContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(http, context.Resolver, queryQualifier: true, ManagementJsonContext.Wire.RuntimeManagementConfigRequest).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        var document = request.Document;
        if (RuntimeManagementRules.Validate(document.UpdateRuntimeOn, document.RuntimeVersionArn) is { } invalid)
        {
            await ManagementHttp.ErrorAsync(http, invalid).ConfigureAwait(false);
            return;
        }
        var (function, version, arn, error) = ManagementEndpoints.Resolve(http, context);
        if (error is not null)
        {
            await ManagementHttp.ErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        var outcome = ManagementHttp.Change(context.Registry, s => RuntimeManagementRules.Put(s, function!.Name, function.Arn, version!.Version,
            document.UpdateRuntimeOn!, document.RuntimeVersionArn));
        if (outcome.Error is { } refused)
        {
            await ManagementHttp.ErrorAsync(http, refused).ConfigureAwait(false);
            return;
        }
        var answer = new PutRuntimeManagementConfigResponse
        {
            UpdateRuntimeOn = outcome.Value!.UpdateRuntimeOn,
            FunctionArn = arn!,
            RuntimeVersionArn = outcome.Value.RuntimeVersionArn,
        };
        await ManagementHttp.WriteAsync(http, StatusCodes.Status200OK, answer, ManagementJsonContext.Wire.PutRuntimeManagementConfigResponse).ConfigureAwait(false);
    }
}
