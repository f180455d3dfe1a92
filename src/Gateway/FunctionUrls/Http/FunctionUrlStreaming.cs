using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionUrls.Http;

/// <summary>
/// RESPONSE_STREAM function URLs: the invocation's stream sink is the URL's HTTP response, so the runtime's streamed
/// body reaches the client as it is written (<see cref="UrlStreamResponse"/>: the http-integration prelude sets the
/// status, headers and cookies). FunctionUrlInvoker builds the event and dispatches as for BUFFERED, calling
/// <see cref="Begin"/> before the dispatch and <see cref="EndAsync"/> once the invocation is complete.
/// </summary>
internal static class FunctionUrlStreaming
{
    /// <summary>The sink for a RESPONSE_STREAM URL's invocation (its CORS headers are already set: FunctionUrlInvoker
    /// sets them on every answer); null for BUFFERED.</summary>
    public static UrlStreamResponse? Begin(HttpContext context, FunctionUrlRoute route, Invocation invocation)
    {
        if (route.InvokeMode != FunctionUrlInvokeMode.ResponseStream)
        {
            return null;
        }
        var sink = new UrlStreamResponse(context.Request, context.Response, invocation, route.Cors);
        invocation.Stream = sink;
        return sink;
    }

    /// <summary>Ends the streamed response (a function that did not stream has its whole result sent as the body).</summary>
    public static ValueTask EndAsync(UrlStreamResponse sink) => sink.CompleteAsync();
}
