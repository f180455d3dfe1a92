using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Gateway.RuntimeApi;

/// <summary>
/// Parses the head of an HTTP/1.1 request from a runtime: request line, the few headers the Runtime API uses,
/// and the route. Bounded: a head larger than <see cref="MaxHeadSize"/> is refused before it is buffered further.
/// </summary>
internal static class RuntimeRequestParser
{
    /// <summary>
    /// AWS's Runtime API is Go's net/http server with its default bound (http.DefaultMaxHeaderBytes, 1 MiB, and the
    /// 4 KB its reader allows past it). Runtimes rely on it: aws-lambda-go sends an /error's X-Ray cause (the error's
    /// message and stack) in Lambda-Runtime-Function-Xray-Error-Cause whenever it is under 1 MiB, and exits when the
    /// post is refused. A runtime's head is its own connection's memory, not another caller's.
    /// </summary>
    public const int MaxHeadSize = 1024 * 1024 + 4096;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> Prefix => "/2018-06-01/runtime/"u8;

    /// <summary>
    /// Tries to parse one request head from <paramref name="buffer"/>. On Complete, <paramref name="consumed"/> is
    /// the position just after the blank line; the body (if any) follows.
    /// </summary>
    public static ParseStatus TryParse(in ReadOnlySequence<byte> buffer, Span<byte> idBuffer, out RuntimeRequestHead head, out SequencePosition consumed)
    {
        head = default;
        head.ContentLength = -1;
        consumed = buffer.Start;

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headBytes, HeadEnd, advancePastDelimiter: true))
        {
            // A head of MaxHeadSize may still be waiting for the rest of its terminator.
            return buffer.Length > MaxHeadSize + HeadEnd.Length - 1 ? ParseStatus.TooLarge : ParseStatus.Incomplete;
        }
        if (headBytes.Length > MaxHeadSize)
        {
            return ParseStatus.TooLarge;
        }
        consumed = reader.Position;

        if (headBytes.IsSingleSegment)
        {
            return ParseHead(headBytes.FirstSpan, idBuffer, ref head);
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)headBytes.Length);
        try
        {
            headBytes.CopyTo(rented);
            return ParseHead(rented.AsSpan(0, (int)headBytes.Length), idBuffer, ref head);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ParseStatus ParseHead(ReadOnlySpan<byte> head, Span<byte> idBuffer, ref RuntimeRequestHead result)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? head : head[..lineEnd];
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];

        // METHOD SP request-target SP HTTP/1.x
        int sp1 = requestLine.IndexOf((byte)' ');
        int sp2 = sp1 < 0 ? -1 : requestLine[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp1 <= 0 || sp2 <= 0)
        {
            return ParseStatus.Invalid;
        }
        var method = requestLine[..sp1];
        var target = requestLine.Slice(sp1 + 1, sp2);
        var version = requestLine[(sp1 + sp2 + 2)..];
        if (!version.StartsWith("HTTP/1."u8))
        {
            return ParseStatus.Invalid;
        }
        result.Method = method.SequenceEqual("GET"u8) ? RuntimeMethod.Get : method.SequenceEqual("POST"u8) ? RuntimeMethod.Post
            : method.SequenceEqual("PUT"u8) ? RuntimeMethod.Put : RuntimeMethod.Other;
        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            result.ConnectionClose = true; // HTTP/1.0 without keep-alive
        }
        ParseTarget(target, idBuffer, ref result);

        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return ParseStatus.Invalid;
            }
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (!ParseHeader(name, value, ref result))
            {
                return ParseStatus.Invalid;
            }
        }
        return ParseStatus.Complete;
    }

    private static bool ParseHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ref RuntimeRequestHead result)
    {
        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!Utf8Parser.TryParse(value, out long length, out int used) || used != value.Length || length < 0)
            {
                return false;
            }
            result.ContentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            // The last coding decides ("gzip, chunked"); compared without regard to case.
            int comma = value.LastIndexOf((byte)',');
            result.Chunked = Ascii.EqualsIgnoreCase((comma >= 0 ? value[(comma + 1)..] : value).Trim(" \t"u8), "chunked"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Expect"u8))
        {
            result.ExpectContinue = Ascii.EqualsIgnoreCase(value, "100-continue"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            if (Ascii.EqualsIgnoreCase(value, "close"u8))
            {
                result.ConnectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
            {
                result.ConnectionClose = false;
            }
        }
        else if (Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Function-Error-Type"u8))
        {
            result.ErrorType = System.Text.Encoding.UTF8.GetString(value);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
        {
            result.ContentType = KnownContentType(value);
        }
        else if (Ascii.EqualsIgnoreCase(name, "Lambda-Runtime-Function-Response-Mode"u8))
        {
            result.ResponseMode = System.Text.Encoding.UTF8.GetString(value);
        }
        else if (name.Length > ExtensionHeader.Length && Ascii.EqualsIgnoreCase(name[..ExtensionHeader.Length], ExtensionHeader))
        {
            ParseExtensionHeader(name[ExtensionHeader.Length..], value, ref result);
        }
        return true;
    }

    private static ReadOnlySpan<byte> ExtensionHeader => "Lambda-Extension-"u8;

    /// <summary>The Extensions API's headers (<c>Lambda-Extension-</c> and then this <paramref name="suffix"/>): only
    /// extensions send them, so a runtime's requests pay one prefix comparison per header at most.</summary>
    private static void ParseExtensionHeader(ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> value, ref RuntimeRequestHead result)
    {
        if (Ascii.EqualsIgnoreCase(suffix, "Name"u8))
        {
            result.ExtensionName = System.Text.Encoding.UTF8.GetString(value);
        }
        else if (Ascii.EqualsIgnoreCase(suffix, "Identifier"u8))
        {
            result.ExtensionId = System.Text.Encoding.UTF8.GetString(value);
        }
        else if (Ascii.EqualsIgnoreCase(suffix, "Function-Error-Type"u8))
        {
            result.ExtensionErrorType = System.Text.Encoding.UTF8.GetString(value);
        }
        else if (Ascii.EqualsIgnoreCase(suffix, "Accept-Feature"u8))
        {
            result.ExtensionAcceptFeature = System.Text.Encoding.UTF8.GetString(value);
        }
    }

    /// <summary>The Content-Type a runtime sent (a streamed body's type: responseStream.setContentType). The common ones
    /// are shared strings, so a runtime that labels every /response allocates nothing for it.</summary>
    private static string KnownContentType(ReadOnlySpan<byte> value)
    {
        if (Ascii.EqualsIgnoreCase(value, "application/json"u8))
        {
            return "application/json";
        }
        if (Ascii.EqualsIgnoreCase(value, "application/octet-stream"u8))
        {
            return Streaming.StreamContentTypes.Default;
        }
        if (Ascii.EqualsIgnoreCase(value, "application/vnd.awslambda.http-integration-response"u8))
        {
            return Streaming.StreamContentTypes.HttpIntegration;
        }
        if (Ascii.EqualsIgnoreCase(value, "application/vnd.aws.lambda.error+json"u8))
        {
            return "application/vnd.aws.lambda.error+json"; // every /error of the C# runtime client
        }
        if (Ascii.EqualsIgnoreCase(value, "application/unknown"u8))
        {
            return "application/unknown"; // the Python runtime's bytes results
        }
        return System.Text.Encoding.UTF8.GetString(value);
    }

    /// <summary>Maps the path to a route; copies the request id of /invocation/{id}/… into <paramref name="idBuffer"/>.</summary>
    internal static void ParseTarget(ReadOnlySpan<byte> target, Span<byte> idBuffer, ref RuntimeRequestHead result)
    {
        int query = target.IndexOf((byte)'?');
        if (query >= 0)
        {
            target = target[..query];
        }
        if (target.Length > 1 && target[^1] == (byte)'/')
        {
            target = target[..^1];
        }
        result.Route = RuntimeRoute.Unknown;
        if (!target.StartsWith(Prefix))
        {
            result.Route = OtherRoute(target);
            return;
        }
        var path = target[Prefix.Length..];
        if (path.SequenceEqual("invocation/next"u8))
        {
            result.Route = RuntimeRoute.Next;
            return;
        }
        if (path.SequenceEqual("init/error"u8))
        {
            result.Route = RuntimeRoute.InitError;
            return;
        }
        if (!path.StartsWith("invocation/"u8))
        {
            return;
        }
        path = path["invocation/".Length..];
        int slash = path.IndexOf((byte)'/');
        if (slash <= 0)
        {
            return;
        }
        var id = path[..slash];
        var action = path[(slash + 1)..];
        if (action.SequenceEqual("response"u8))
        {
            result.Route = RuntimeRoute.Response;
        }
        else if (action.SequenceEqual("error"u8))
        {
            result.Route = RuntimeRoute.Error;
        }
        else
        {
            return;
        }
        if (id.Length > idBuffer.Length)
        {
            result.RequestIdTooLong = true;
            result.RequestIdLength = 0;
            return;
        }
        id.CopyTo(idBuffer);
        result.RequestIdLength = id.Length;
    }

    /// <summary>The Extensions API's routes, the Telemetry and Logs APIs' and the extensions launcher's (Extensions/ExternalExtensions.cs).</summary>
    private static RuntimeRoute OtherRoute(ReadOnlySpan<byte> target)
    {
        if (target.StartsWith("/2020-01-01/extension/"u8))
        {
            var path = target["/2020-01-01/extension/".Length..];
            return path.SequenceEqual("register"u8) ? RuntimeRoute.ExtensionRegister
                : path.SequenceEqual("event/next"u8) ? RuntimeRoute.ExtensionNext
                : path.SequenceEqual("init/error"u8) ? RuntimeRoute.ExtensionInitError
                : path.SequenceEqual("exit/error"u8) ? RuntimeRoute.ExtensionExitError
                : RuntimeRoute.Unknown;
        }
        return target.SequenceEqual("/2018-06-01/ping"u8) ? RuntimeRoute.Ping
            : target.SequenceEqual("/_gateway/extensions/launched"u8) ? RuntimeRoute.LauncherLaunched
            : target.SequenceEqual("/_gateway/extensions/exited"u8) ? RuntimeRoute.LauncherExited
            : target.SequenceEqual("/2022-07-01/telemetry"u8) ? RuntimeRoute.TelemetrySubscribe
            : target.SequenceEqual("/2020-08-15/logs"u8) ? RuntimeRoute.LogsSubscribe
            : RuntimeRoute.Unknown;
    }
}
