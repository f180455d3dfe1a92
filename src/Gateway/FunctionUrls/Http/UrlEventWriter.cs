using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Invocations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.FunctionUrls.Http;

/// <summary>What the event needs beyond the HTTP request itself.</summary>
/// <param name="Caller">The verified caller of an <c>AWS_IAM</c> URL (its <c>authorizer.iam</c>); null for <c>NONE</c>.</param>
internal readonly record struct UrlEventContext(FunctionUrlRoute Route, string RawPath, string RequestId, string TraceId, DateTimeOffset Now,
    Security.CallerIdentity? Caller = null);

/// <summary>
/// Writes the payload-format-2.0 event a function URL hands its function, as AWS builds it, straight into the
/// invocation's pooled request payload (no intermediate object model, no reflection).
/// </summary>
/// <remarks>
/// Shape as recorded against AWS (LocalStack snapshots <c>test_lambda_url_echo_http_fixture_default</c>,
/// <c>test_lambda_url_form_payload</c>) rather than the documentation's sample, where they differ:
/// <list type="bullet">
/// <item><c>requestContext.accountId</c> is <c>"anonymous"</c> for AuthType NONE (the docs show an account number),
/// and there is no <c>authorizer</c>/<c>authentication</c> member for NONE; an AWS_IAM URL's event has the signer's
/// account and <c>authorizer.iam</c> (<see cref="UrlIamAuthorizer"/>).</item>
/// <item><c>cookies</c>, <c>queryStringParameters</c> and <c>body</c> are left out when there are none;
/// <c>pathParameters</c>/<c>stageVariables</c> are never written.</item>
/// <item>The <c>cookie</c> header is split into <c>cookies</c> and also kept in <c>headers</c>; <c>http.path</c> is
/// <c>rawPath</c> percent-decoded; a <c>+</c> in the query string is a space in <c>queryStringParameters</c> (an event
/// captured from a real function URL in 2026: hotsock/voker <c>vokerhttp/testdata/functionurl-request.json</c>, where
/// <c>literalPlus=a+b</c> arrives as <c>"a b"</c> and <c>/capture/space%20value</c> as <c>"/capture/space value"</c>).
/// Hop-by-hop headers (<c>connection</c>, …) are dropped;
/// <c>x-amzn-trace-id</c>, <c>x-forwarded-for</c>, <c>x-forwarded-port</c>, <c>x-forwarded-proto</c> are the
/// platform's (a client's own values are replaced).</item>
/// </list>
/// </remarks>
internal static class UrlEventWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // AWS writes '+', '<', '&' and non-ASCII as they are; the default encoder would escape them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic] private static PayloadBufferWriter? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>Writes the event for <paramref name="request"/> (whose body is <paramref name="body"/>) into
    /// <paramref name="target"/>. Synchronous: the per-thread writer is never held across an await.</summary>
    public static void Write(PooledPayload target, HttpRequest request, ConnectionInfo connection, in UrlEventContext context, PooledPayload body)
    {
        var buffer = t_buffer ??= new PayloadBufferWriter();
        buffer.Target = target;
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer, WriterOptions);
        }
        else
        {
            writer.Reset(buffer);
        }
        try
        {
            WriteEvent(writer, request, connection, context, body);
            writer.Flush();
        }
        finally
        {
            buffer.Trim();
        }
    }

    private static void WriteEvent(Utf8JsonWriter w, HttpRequest request, ConnectionInfo connection, in UrlEventContext context, PooledPayload body)
    {
        Span<char> ip = stackalloc char[64];
        int ipLength = FormatIp(connection.RemoteIpAddress, ip);
        var sourceIp = ip[..ipLength];
        string rawQuery = request.QueryString.HasValue ? request.QueryString.Value!.Substring(1) : "";

        w.WriteStartObject();
        w.WriteString("version"u8, "2.0"u8);
        w.WriteString("routeKey"u8, "$default"u8);
        w.WriteString("rawPath"u8, context.RawPath);
        w.WriteString("rawQueryString"u8, rawQuery);

        var headers = request.Headers;
        var cookie = headers.Cookie;
        if (cookie.Count > 0)
        {
            w.WriteStartArray("cookies"u8);
            foreach (var line in cookie)
            {
                foreach (var part in (line ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    w.WriteStringValue(part);
                }
            }
            w.WriteEndArray();
        }

        w.WriteStartObject("headers"u8);
        Span<char> lower = stackalloc char[128];
        foreach (var header in headers)
        {
            if (IsLeftOut(header.Key))
            {
                continue;
            }
            WriteLowerName(w, header.Key, lower);
            if (header.Value.Count > 1 && header.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
            {
                w.WriteStringValue(string.Join("; ", header.Value.ToArray())); // cookie pieces join with "; " (RFC 9113 §8.2.3)
                continue;
            }
            WriteJoined(w, header.Value);
        }
        w.WriteString("x-amzn-trace-id"u8, context.TraceId);
        w.WriteString("x-forwarded-for"u8, sourceIp);
        Span<char> port = stackalloc char[8];
        connection.LocalPort.TryFormat(port, out int portLength, default, CultureInfo.InvariantCulture);
        w.WriteString("x-forwarded-port"u8, port[..portLength]);
        w.WriteString("x-forwarded-proto"u8, request.IsHttps ? "https"u8 : "http"u8);
        w.WriteEndObject();

        if (rawQuery.Length > 0)
        {
            WriteQueryParameters(w, rawQuery);
        }

        w.WriteStartObject("requestContext"u8);
        // AuthType NONE: the caller is nobody in particular ("anonymous", as recorded). AWS_IAM: the signer, whose account
        // this is too (the docs' table says "the function owner", but their NONE sample shows an account number where
        // AWS writes "anonymous": the field follows the caller), and authorizer.iam says who it is.
        if (context.Caller is { } caller)
        {
            w.WriteString("accountId"u8, caller.AccountId);
            w.WriteString("apiId"u8, context.Route.UrlId);
            UrlIamAuthorizer.Write(w, caller);
        }
        else
        {
            w.WriteString("accountId"u8, "anonymous"u8);
            w.WriteString("apiId"u8, context.Route.UrlId);
        }
        w.WriteString("domainName"u8, context.Route.DomainName);
        w.WriteString("domainPrefix"u8, context.Route.UrlId);
        w.WriteStartObject("http"u8);
        w.WriteString("method"u8, request.Method);
        w.WriteString("path"u8, DecodePath(context.RawPath));
        w.WriteString("protocol"u8, request.Protocol);
        w.WriteString("sourceIp"u8, sourceIp);
        w.WriteString("userAgent"u8, headers.UserAgent.ToString());
        w.WriteEndObject();
        w.WriteString("requestId"u8, context.RequestId);
        w.WriteString("routeKey"u8, "$default"u8);
        w.WriteString("stage"u8, "$default"u8);
        Span<char> time = stackalloc char[32];
        w.WriteString("time"u8, FormatTime(context.Now, time));
        w.WriteNumber("timeEpoch"u8, context.Now.ToUnixTimeMilliseconds());
        w.WriteEndObject();

        bool base64 = false;
        if (body.Length > 0)
        {
            base64 = WriteBody(w, body, BodyEncoding.IsText(headers.ContentType.ToString()));
        }
        w.WriteBoolean("isBase64Encoded"u8, base64);
        w.WriteEndObject();
    }

    /// <summary>The event's <c>time</c>: <c>12/Mar/2020:19:03:58 +0000</c> (always UTC, English month names).</summary>
    internal static ReadOnlySpan<char> FormatTime(DateTimeOffset now, Span<char> destination)
    {
        now.UtcDateTime.TryFormat(destination, out int n, "dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture);
        " +0000".AsSpan().CopyTo(destination[n..]);
        return destination[..(n + 6)];
    }

    private static int FormatIp(IPAddress? address, Span<char> destination)
    {
        if (address is null)
        {
            return 0;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4(); // Kestrel's dual-stack socket: the client is IPv4, as AWS reports it
        }
        return address.TryFormat(destination, out int written) ? written : 0;
    }

    private static bool IsLeftOut(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("TE", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Amzn-Trace-Id", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(':'); // HTTP/2 pseudo-headers

    private static void WriteLowerName(Utf8JsonWriter w, string name, Span<char> scratch)
    {
        if (name.Length > scratch.Length)
        {
            w.WritePropertyName(name.ToLowerInvariant());
            return;
        }
        int n = name.AsSpan().ToLowerInvariant(scratch);
        w.WritePropertyName(scratch[..n]);
    }

    /// <summary>Repeated header values are comma-joined with no space, as AWS does (<c>value1,value2</c>).</summary>
    private static void WriteJoined(Utf8JsonWriter w, StringValues values)
    {
        if (values.Count == 1)
        {
            w.WriteStringValue(values[0]);
        }
        else
        {
            w.WriteStringValue(string.Join(',', values.ToArray()));
        }
    }

    /// <summary><c>queryStringParameters</c>: keys and values percent-decoded, a repeated key's values comma-joined in
    /// the order they came, keys in order of first appearance.</summary>
    private static void WriteQueryParameters(Utf8JsonWriter w, string rawQuery)
    {
        var keys = new List<string>(4);
        var values = new List<string>(4);
        foreach (var range in rawQuery.AsSpan().Split('&'))
        {
            var pair = rawQuery.AsSpan(range);
            if (pair.IsEmpty)
            {
                continue;
            }
            int eq = pair.IndexOf('=');
            string key = Decode(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            int index = keys.IndexOf(key);
            if (index < 0)
            {
                keys.Add(key);
                values.Add(value);
            }
            else
            {
                values[index] = values[index] + "," + value;
            }
        }
        w.WriteStartObject("queryStringParameters"u8);
        for (int i = 0; i < keys.Count; i++)
        {
            w.WriteString(keys[i], values[i]);
        }
        w.WriteEndObject();
    }

    /// <summary>A query key or value as AWS hands it over: '+' is a space and %XX is decoded, so <c>a+b</c> is
    /// <c>"a b"</c> and <c>a%2Bb</c> is <c>"a+b"</c> (the recorded event in the class remarks).</summary>
    private static string Decode(ReadOnlySpan<char> part)
    {
        if (!part.ContainsAny('%', '+'))
        {
            return part.ToString();
        }
        string spaced = part.ToString().Replace('+', ' ');
        return spaced.Contains('%') ? Uri.UnescapeDataString(spaced) : spaced;
    }

    /// <summary><c>requestContext.http.path</c>: the raw path percent-decoded ('+' stays: it is not form data).</summary>
    private static string DecodePath(string rawPath) => rawPath.Contains('%') ? Uri.UnescapeDataString(rawPath) : rawPath;

    /// <returns>Whether the body went in base64.</returns>
    private static bool WriteBody(Utf8JsonWriter w, PooledPayload body, bool text)
    {
        var segments = body.Segments;
        byte[]? rented = null;
        ReadOnlySpan<byte> bytes;
        if (segments.Count == 1)
        {
            bytes = segments[0];
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
            body.CopyTo(rented.AsSpan(0, (int)body.Length));
            bytes = rented.AsSpan(0, (int)body.Length);
        }
        try
        {
            if (text && System.Text.Unicode.Utf8.IsValid(bytes))
            {
                w.WriteString("body"u8, bytes);
                return false;
            }
            w.WriteBase64String("body"u8, bytes);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
