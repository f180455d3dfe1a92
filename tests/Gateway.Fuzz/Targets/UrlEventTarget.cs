using System.Net;
using System.Text.Json;
using Gateway.FunctionUrls;
using Gateway.FunctionUrls.Http;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// An HTTP request to a function URL, as text: line 1 the method, line 2 the raw path, line 3 the raw query string,
/// then <c>Name: value</c> header lines up to an empty line, then the body (any bytes). Each field is first cut down
/// to what Kestrel lets through (tokens for the method and header names, visible ASCII for values, path and query),
/// so a finding is one a real client can cause. <see cref="UrlEventWriter"/> has no refusal: every request must give
/// an event, and the event must be valid JSON (it is what the function parses).
/// </summary>
internal static class UrlEventTarget
{
    private const string UrlId = "abcdefghijklmnopqrstuvwxyz012345";

    private static readonly FunctionUrlRoute Route = new(UrlId, "echo", null, FunctionUrlAuthType.None, null,
        FunctionUrlInvokeMode.Buffered, $"{UrlId}.lambda-url.us-east-1.localhost");

    private static readonly DateTimeOffset Now = new(2026, 12, 5, 19, 0, 0, TimeSpan.Zero);

    public static void Run(byte[] data)
    {
        var (methodLine, rest) = Input.SplitLine(data);
        var (pathLine, afterPath) = Input.SplitLine(rest);
        var (queryLine, remaining) = Input.SplitLine(afterPath);

        var context = new DefaultHttpContext();
        var request = context.Request;
        string method = Input.Token(methodLine.Span);
        request.Method = method.Length == 0 ? "GET" : method;
        request.Protocol = "HTTP/1.1";
        request.Scheme = "http";
        string query = Input.HeaderValue(queryLine.Span).Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal);
        request.QueryString = query.Length == 0 ? QueryString.Empty : new QueryString("?" + query);
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:10.1.2.3");
        context.Connection.LocalPort = 9000;

        while (remaining.Length > 0)
        {
            var (line, next) = Input.SplitLine(remaining);
            remaining = next;
            if (line.Length == 0)
            {
                break;
            }
            int colon = line.Span.IndexOf((byte)':');
            string name = Input.Token(colon < 0 ? line.Span : line.Span[..colon]);
            if (name.Length > 0)
            {
                request.Headers.Append(name, Input.HeaderValue(colon < 0 ? [] : line.Span[(colon + 1)..]).Trim(' ', '\t'));
            }
        }

        var body = new PooledPayload();
        body.Write(remaining.Span);
        var target = new PooledPayload();
        string rawPath = "/" + Input.HeaderValue(pathLine.Span).TrimStart('/').Replace(" ", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal);
        UrlEventWriter.Write(target, request, context.Connection, new UrlEventContext(Route, rawPath, "req-1", "Root=1-5e6a8b2e-0123456789abcdef01234567", Now), body);

        using var document = JsonDocument.Parse(target.ToArray());
        var root = document.RootElement;
        FuzzInvariantException.Check(root.GetProperty("rawPath").GetString() == rawPath, "rawPath changed on the way");
        FuzzInvariantException.Check(root.GetProperty("isBase64Encoded").ValueKind is JsonValueKind.True or JsonValueKind.False, "isBase64Encoded is not a boolean");
        if (root.TryGetProperty("body", out var eventBody))
        {
            byte[] sent = remaining.ToArray();
            byte[] received = root.GetProperty("isBase64Encoded").GetBoolean()
                ? eventBody.GetBytesFromBase64()
                : System.Text.Encoding.UTF8.GetBytes(eventBody.GetString()!);
            FuzzInvariantException.Check(sent.AsSpan().SequenceEqual(received), "the event's body is not the request's body");
        }
        target.Reset();
        body.Reset();
    }
}
