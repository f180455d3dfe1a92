using System.Runtime.CompilerServices;

namespace Gateway.Hosting;

/// <summary>
/// With inline I/O (<c>--inline-io</c>) Kestrel runs every request on the socket engine's event thread, which also
/// serves every other connection registered with it. The invoke path never blocks, but the management API does
/// (SQLite with fsync, zip extraction, log files): this middleware moves every request other than an invoke
/// (<c>POST …/invocations</c>, <c>POST …/response-streaming-invocations</c>) to the thread pool first, so a slow
/// management call cannot stall invocations.
/// </summary>
internal static class OffTheIoThread
{
    public static void Use(WebApplication app) => app.Use(next => context =>
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.Value is { } path && path.EndsWith("invocations", StringComparison.Ordinal))
        {
            return next(context);
        }
        return HopThenAsync(next, context);
    });

    private static async Task HopThenAsync(RequestDelegate next, HttpContext context)
    {
        await Task.Yield(); // no synchronization context in ASP.NET Core: continues on a thread-pool thread
        await next(context).ConfigureAwait(false);
    }
}
