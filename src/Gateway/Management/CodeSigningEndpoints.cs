using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Code signing on botocore's paths; the rules (no config can exist here) are <see cref="CodeSigningRules"/>:
/// <list type="bullet">
/// <item>GET    /2020-06-30/functions/{FunctionName}/code-signing-config  GetFunctionCodeSigningConfig → <c>{}</c> (none
/// attached; AWS's recorded get_function_csc_fnwithoutcsc has neither member, though the model marks both required)</item>
/// <item>PUT    /2020-06-30/functions/{FunctionName}/code-signing-config  PutFunctionCodeSigningConfig → 404
/// CodeSigningConfigNotFoundException</item>
/// <item>DELETE /2020-06-30/functions/{FunctionName}/code-signing-config  DeleteFunctionCodeSigningConfig → 204 (nothing to
/// delete: recorded nothing_to_delete_response)</item>
/// <item>GET    /2020-04-22/code-signing-configs                          ListCodeSigningConfigs → <c>{"CodeSigningConfigs":[]}</c></item>
/// <item>POST   /2020-04-22/code-signing-configs                          CreateCodeSigningConfig → 400 InvalidParameterValueException</item>
/// <item>GET|PUT|DELETE /2020-04-22/code-signing-configs/{Arn}[/functions] → 404 ResourceNotFoundException</item>
/// </list>
/// A function that does not exist is the same 404 as GetFunctionConfiguration's (Get and Delete).
/// </summary>
internal static class CodeSigningEndpoints
{
    private const string FunctionConfig = "/2020-06-30/functions/{FunctionName}/code-signing-config";
    private const string Configs = "/2020-04-22/code-signing-configs";

    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app, ManagementContext context)
    {
        app.MapGet(FunctionConfig, (RequestDelegate)(http => ForFunctionAsync(http, context,
            static http => ManagementHttp.WriteMembersAsync(http, static _ => { }))));
        app.MapPut(FunctionConfig, (RequestDelegate)(http => PutAsync(http, context)));
        app.MapDelete(FunctionConfig, (RequestDelegate)(http => ForFunctionAsync(http, context, static http =>
        {
            ManagementHttp.NoContent(http);
            return Task.CompletedTask;
        })));

        app.MapGet(Configs, (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return ManagementHttp.ReadMaxItems(http, out _) is { } invalid
                ? ManagementHttp.ErrorAsync(http, invalid)
                : ManagementHttp.WriteEmptyListAsync(http, "CodeSigningConfigs");
        }));
        app.MapPost(Configs, (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue(CodeSigningRules.NotServed));
        }));
        var unknown = (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return ManagementHttp.ErrorAsync(http, CodeSigningRules.UnknownConfig(http.GetRouteValue("CodeSigningConfigArn") as string ?? ""));
        });
        app.MapGet(Configs + "/{CodeSigningConfigArn}", unknown);
        app.MapPut(Configs + "/{CodeSigningConfigArn}", unknown);
        app.MapDelete(Configs + "/{CodeSigningConfigArn}", unknown);
        app.MapGet(Configs + "/{CodeSigningConfigArn}/functions", (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return ManagementHttp.ErrorAsync(http, CodeSigningRules.UnknownConfigFunctions(http.GetRouteValue("CodeSigningConfigArn") as string ?? "", http.Request.Query));
        }));
    }

    /// <summary>The route's function resolved as GetFunctionConfiguration resolves it; AWS's refusal when it does not
    /// exist, else <paramref name="answer"/>.</summary>
    private static Task ForFunctionAsync(HttpContext http, ManagementContext context, Func<HttpContext, Task> answer)
    {
        ManagementHttp.Begin(http);
        var (_, _, _, error) = ManagementEndpoints.Resolve(http, context);
        return error is not null ? ManagementHttp.ErrorAsync(http, error) : answer(http);
    }

    /// <summary>The name is checked (a malformed one is refused as everywhere), then the body; the config is never
    /// found, whether or not the function exists (AWS checks the config first).</summary>
    private static async Task PutAsync(HttpContext http, ManagementContext context)
    {
        if (await ManagementHttp.ReadRequestAsync(http, context.Resolver, queryQualifier: false, ManagementJsonContext.Wire.CodeSigningConfigDocument).ConfigureAwait(false) is not { } request)
        {
            return;
        }
        await ManagementHttp.ErrorAsync(http, CodeSigningRules.RefusePut(request.Document.CodeSigningConfigArn)).ConfigureAwait(false);
    }
}
