using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Capacity providers on botocore's paths; no capacity provider can exist here, and the rules are
/// <see cref="CapacityProviderRules"/>:
/// <list type="bullet">
/// <item>GET    /2025-11-30/capacity-providers                          ListCapacityProviders → <c>{"CapacityProviders":[]}</c></item>
/// <item>POST   /2025-11-30/capacity-providers                          CreateCapacityProvider → 400 InvalidParameterValueException</item>
/// <item>GET|PUT|DELETE /2025-11-30/capacity-providers/{CapacityProviderName}  Get/Update/DeleteCapacityProvider → 404</item>
/// <item>GET    /2025-11-30/capacity-providers/{CapacityProviderName}/function-versions  ListFunctionVersionsByCapacityProvider → 404</item>
/// </list>
/// </summary>
internal static class CapacityProviderEndpoints
{
    private const string Providers = "/2025-11-30/capacity-providers";

    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app, ManagementContext context)
    {
        app.MapGet(Providers, (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return CapacityProviderRules.CheckList(http.Request.Query) is { } invalid
                ? ManagementHttp.ErrorAsync(http, invalid)
                : ManagementHttp.WriteEmptyListAsync(http, "CapacityProviders");
        }));
        app.MapPost(Providers, (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return ManagementHttp.ErrorAsync(http, LambdaError.InvalidParameterValue(CapacityProviderRules.NotServed));
        }));
        var unknown = (RequestDelegate)(http => UnknownAsync(http, context, query: null));
        app.MapGet(Providers + "/{CapacityProviderName}", unknown);
        app.MapPut(Providers + "/{CapacityProviderName}", unknown);
        app.MapDelete(Providers + "/{CapacityProviderName}", unknown);
        app.MapGet(Providers + "/{CapacityProviderName}/function-versions", (RequestDelegate)(http => UnknownAsync(http, context, http.Request.Query)));
    }

    private static Task UnknownAsync(HttpContext http, ManagementContext context, IQueryCollection? query)
    {
        ManagementHttp.Begin(http);
        string name = http.GetRouteValue("CapacityProviderName") as string ?? "";
        return ManagementHttp.ErrorAsync(http, CapacityProviderRules.Unknown(name, query, context.Region, context.AccountId));
    }
}
