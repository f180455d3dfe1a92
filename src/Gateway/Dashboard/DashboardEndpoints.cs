using System.Text.Json;
using Gateway.Hosting;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Dashboard;

/// <summary>
/// The live dashboard: <c>GET /_gateway/</c> (one self-contained page, embedded in the binary), <c>GET
/// /_gateway/events</c> (server-sent events, one snapshot a second from <see cref="DashboardFeed"/>) and <c>POST
/// /_gateway/prediction</c> (a throttle model's prediction, shown beside what was admitted).
/// </summary>
internal static class DashboardEndpoints
{
    private const string PageResource = "Gateway.Dashboard.dashboard.html";
    private const long MaxPredictionBytes = 256 * 1024;
    private static readonly byte[] RetryLine = "retry: 1000\n\n"u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    public static void Map(WebApplication app, FunctionHost host, DashboardFeed feed, PredictionBoard predictions)
    {
        byte[] page = LoadPage();
        var stopping = app.Lifetime.ApplicationStopping;
        // Routing matches "/_gateway" and "/_gateway/" alike (one template; two would be ambiguous); the page only
        // uses absolute paths, so both work.
        app.MapGet("/_gateway/", (RequestDelegate)(context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.ContentLength = page.Length;
            return context.Response.Body.WriteAsync(page).AsTask();
        }));
        app.MapGet("/_gateway/events", (RequestDelegate)(context => StreamAsync(context, feed, stopping)));
        app.MapPost("/_gateway/prediction", (RequestDelegate)(context => PostPredictionAsync(context, host, predictions)));
    }

    /// <summary>Writes the newest snapshot now, then each new one, until the client leaves or the gateway stops
    /// (an open stream must not hold up shutdown).</summary>
    private static async Task StreamAsync(HttpContext context, DashboardFeed feed, CancellationToken stopping)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var subscription = feed.Subscribe();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = cancel.Token;
        try
        {
            await response.Body.WriteAsync(RetryLine, token).ConfigureAwait(false);
            await response.Body.FlushAsync(token).ConfigureAwait(false);
            var current = feed.Current;
            long sent = 0;
            while (true)
            {
                if (current.Seq > sent)
                {
                    await response.Body.WriteAsync(DataPrefix, token).ConfigureAwait(false);
                    await response.Body.WriteAsync(current.Json, token).ConfigureAwait(false);
                    await response.Body.WriteAsync(EventEnd, token).ConfigureAwait(false);
                    await response.Body.FlushAsync(token).ConfigureAwait(false);
                    sent = current.Seq;
                }
                await current.Next.Task.WaitAsync(token).ConfigureAwait(false);
                current = feed.Current; // the newest, not merely the next: a slow client skips seconds
            }
        }
        catch (OperationCanceledException)
        {
            // the client left, or the gateway stops
        }
    }

    private static async Task PostPredictionAsync(HttpContext context, FunctionHost host, PredictionBoard predictions)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxPredictionBytes;
        }
        ThrottlePredictionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, DashboardJsonContext.Default.ThrottlePredictionRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await LambdaErrors.InvalidRequestContent(context, "Could not parse the prediction: " + ex.Message).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException)
        {
            await LambdaErrors.RequestEntityTooLarge(context, $"A prediction is at most {MaxPredictionBytes} bytes.").ConfigureAwait(false);
            return;
        }
        if (request?.FunctionName is not { Length: > 0 } name || request.Seconds is not { Count: > 0 and <= PredictionBoard.MaxSeconds } seconds
            || request.StartUnixMs <= 0 || !(request.GraceSeconds is >= 0 and <= 600) || seconds.Any(s => s is null || s.Admitted < 0 || s.Throttled < 0))
        {
            await LambdaErrors.InvalidParameterValue(context,
                $"A prediction needs FunctionName, StartUnixMs, GraceSeconds (0 to 600) and 1 to {PredictionBoard.MaxSeconds} Seconds of non-negative Admitted and Throttled.").ConfigureAwait(false);
            return;
        }
        if (!host.TryGet(name, out var function))
        {
            await LambdaErrors.ResourceNotFound(context, $"Function not found: {name}").ConfigureAwait(false);
            return;
        }
        predictions.Post(function, request);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static byte[] LoadPage()
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The dashboard page ({PageResource}) is not embedded in the binary.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
