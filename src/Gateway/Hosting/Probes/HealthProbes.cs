using Microsoft.AspNetCore.Http;

namespace Gateway.Hosting.Probes;

/// <summary>
/// The two unauthenticated endpoints a load balancer or Kubernetes probes (deploy/k8s/):
/// <c>GET|HEAD /_gateway/health</c> answers 200 while the process serves HTTP at all (liveness), and
/// <c>GET|HEAD /_gateway/ready</c> answers 200 once the node has started and until it begins to drain, 503 before
/// and after (readiness). They answer before any authentication runs: a kubelet cannot sign a SigV4 request, and
/// the answers reveal nothing (no function, no count). Every other path — /_gateway/status, /metrics, the
/// dashboard — still needs a signature under <c>--auth sigv4</c>.
/// </summary>
/// <remarks>
/// Registered as a middleware ahead of the SigV4 one (Program.cs), so the signing code needs no exemption list.
/// The check is two ordinal string compares on the path before anything else runs: no allocation for other requests.
/// Readiness stays 200 while Redis is unreachable in cluster mode on purpose: the node still admits synchronous
/// invokes from its static share (README, "Several nodes on Redis"), and failing every node's readiness at once
/// would take the whole service out of the load balancer for a Redis blip.
/// </remarks>
internal sealed class HealthProbes
{
    public const string HealthPath = "/_gateway/health";
    public const string ReadyPath = "/_gateway/ready";

    private volatile bool _started;
    private volatile bool _draining;

    /// <summary>True from SIGTERM on (with <c>--drain-seconds</c>): readiness answers 503.</summary>
    public bool Draining => _draining;

    public void MarkStarted() => _started = true;

    public void BeginDrain() => _draining = true;

    public RequestDelegate Middleware(RequestDelegate next) => context =>
    {
        string? path = context.Request.Path.Value;
        if (path is not null && path.Length > 10 && path.StartsWith("/_gateway/", StringComparison.Ordinal)
            && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            if (string.Equals(path, HealthPath, StringComparison.Ordinal))
            {
                return Answer(context, StatusCodes.Status200OK, "ok\n");
            }
            if (string.Equals(path, ReadyPath, StringComparison.Ordinal))
            {
                bool ready = _started && !_draining;
                return Answer(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                    ready ? "ready\n" : _draining ? "draining\n" : "starting\n");
            }
        }
        return next(context);
    };

    private static Task Answer(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(text);
    }
}
