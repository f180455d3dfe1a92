using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls;

/// <summary>
/// PLACEHOLDER (url-api's branch only): url-http's FunctionUrlInvoker replaces this file. It builds the payload-2.0
/// event, invokes the route's function and maps its answer to the HTTP response.
/// </summary>
internal sealed class FunctionUrlInvoker
{
    public Task HandleAsync(HttpContext context, FunctionUrlRoute route, string rawPath)
    {
        context.Response.StatusCode = StatusCodes.Status501NotImplemented;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync($"function URL {route.UrlId} -> {route.FunctionName}{(route.Qualifier is null ? "" : ":" + route.Qualifier)} {rawPath}: not implemented yet\n");
    }
}
