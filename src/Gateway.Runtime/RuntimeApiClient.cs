using System.Buffers.Text;
using System.Text;
using Gateway.Runtime.Http;
using Gateway.Runtime.Transport;

namespace Gateway.Runtime;

/// <summary>
/// The four Runtime API calls (LAMBDA.md §3.1) on top of one <see cref="RuntimeConnection"/>. Every
/// method returns whether the runtime should keep going; each problem is written to stderr once, here.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    /// <summary>Request ids are UUIDs on Lambda; anything longer than this is refused as a protocol error
    /// so that request heads stay within <see cref="ResponseBuffer.HeadRoom"/>.</summary>
    public const int MaxRequestIdBytes = 256;

    /// <summary>Longer error types are cut in the header (the JSON body keeps the full name).</summary>
    public const int MaxErrorTypeHeaderChars = 256;

    // 9999-12-31T23:59:59.999Z: the largest deadline a DateTimeOffset (InvocationContext.Deadline) can hold.
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    private static ReadOnlySpan<byte> InvocationPath => "/2018-06-01/runtime/invocation/"u8;

    private static ReadOnlySpan<byte> UserAgentLine => "User-Agent: gateway-runtime/1.0\r\n"u8;

    private static ReadOnlySpan<byte> ErrorHeaderLines =>
        "Content-Type: application/vnd.aws.lambda.error+json\r\nLambda-Runtime-Function-Error-Type: "u8;

    private readonly RuntimeConnection _connection;
    private readonly bool _pipelined;
    private readonly byte[] _nextRequest;
    private readonly byte[] _hostLine;
    private readonly byte[] _headScratch = new byte[ResponseBuffer.HeadRoom];

    // The ARN is the same on almost every invocation of a function: keep the string, compare bytes.
    private byte[] _arnBytes = [];
    private string _arn = string.Empty;

    /// <param name="pipelined">Send each result and the next /next in one write (see <see cref="PostResponseThenNext"/>).</param>
    public RuntimeApiClient(RuntimeApiEndpoint endpoint, bool pipelined = true, int maxBodyBytes = HttpLimits.MaxBodyBytes)
    {
        _pipelined = pipelined;
        _connection = new RuntimeConnection(endpoint, maxBodyBytes);
        _hostLine = [.. "Host: "u8, .. endpoint.HostHeaderValue, .. "\r\n"u8];

        // /next never changes: its bytes are built once.
        _nextRequest = [.. "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"u8, .. _hostLine, .. UserAgentLine, .. "\r\n"u8];
    }

    /// <summary>GET <c>/next</c>: blocks (no timeout, as the API requires) until an event arrives, then fills
    /// <paramref name="context"/>. False means the runtime must exit.</summary>
    public bool Next(InvocationContext context) =>
        Exchange(_nextRequest, "GET /next", out _) && ReadEvent(context);

    /// <summary>
    /// POST <c>/invocation/{id}/response</c> and then GET <c>/next</c> like <see cref="Next"/>. Pipelined (the
    /// default), the /next request goes out in the same write as the post (HTTP/1.1 pipelining): the runtime then
    /// waits once per invocation instead of twice (once for the 202, once for the event), and the Runtime API
    /// answers both in one write. Every failure of the pipelined /next falls back to a plain one.
    /// </summary>
    public bool PostResponseThenNext(string requestId, ResponseBuffer response, InvocationContext context) =>
        PostThenNext(response, requestId, "/response"u8, errorType: null, "POST /response", context);

    /// <summary>POST <c>/invocation/{id}/error</c>, then GET <c>/next</c>: see <see cref="PostResponseThenNext"/>.</summary>
    public bool PostErrorThenNext(string requestId, string errorType, ResponseBuffer error, InvocationContext context) =>
        PostThenNext(error, requestId, "/error"u8, errorType, "POST /error", context);

    private bool PostThenNext(ResponseBuffer body, string requestId, ReadOnlySpan<byte> pathSuffix, string? errorType, string what, InvocationContext context) =>
        _pipelined
            ? Post(Frame(body, requestId, pathSuffix, errorType, _nextRequest), what, requestId, pipelined: true) && ReadPipelinedNext(context)
            : Post(Frame(body, requestId, pathSuffix, errorType), what, requestId) && Next(context);

    private bool ReadPipelinedNext(InvocationContext context) =>
        _connection.TryReadPipelined() ? ReadEvent(context) : Next(context);

    /// <summary>Fills <paramref name="context"/> from the /next response just read.</summary>
    private bool ReadEvent(InvocationContext context)
    {
        ResponseHead head = _connection.Head;
        if (head.StatusCode != 200)
        {
            // 500 is "Container error. Non-recoverable state. Runtime should exit promptly."; a 4xx to
            // a bare GET means the gateway and this runtime disagree about the state. Either way: exit.
            LogRefusal("GET /next", head.StatusCode);
            return false;
        }

        ReadOnlySpan<byte> bytes = _connection.HeadBytes;
        context.RequestId = ReadRequestId(head.RequestId.Slice(bytes));
        context.DeadlineMs = ReadDeadline(head.DeadlineMs.Slice(bytes));
        context.InvokedFunctionArn = ReadArn(head.InvokedFunctionArn.Slice(bytes));
        context.TraceId = ReadOptional(head.TraceId, bytes);
        context.ClientContext = ReadOptional(head.ClientContext, bytes);
        context.CognitoIdentity = ReadOptional(head.CognitoIdentity, bytes);
        context.Payload = _connection.Body;
        return true;
    }

    /// <summary>POST <c>/init/error</c>.</summary>
    public bool PostInitError(string errorType, ResponseBuffer error) =>
        Post(Frame(error, requestId: null, default, errorType), "POST /init/error", requestId: null);

    public void Dispose() => _connection.Dispose();

    // Internal, not private, so the allocation budget (bench/Gateway.Benchmarks/WorkerProtocolBenchmarks.cs) measures
    // this code rather than a copy of it.
    internal ReadOnlySpan<byte> Frame(ResponseBuffer body, string? requestId, ReadOnlySpan<byte> pathSuffix, string? errorType, ReadOnlySpan<byte> pipelinedRequest = default)
    {
        var head = new RequestHeadWriter(_headScratch);
        if (requestId is null)
        {
            head.Append("POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"u8);
        }
        else
        {
            head.Append("POST "u8);
            head.Append(InvocationPath);
            head.AppendAscii(requestId); // validated in ReadRequestId: safe in a path
            head.Append(pathSuffix);
            head.Append(" HTTP/1.1\r\n"u8);
        }

        head.Append(_hostLine);
        head.Append(UserAgentLine);
        if (errorType is not null)
        {
            head.Append(ErrorHeaderLines);
            head.AppendHeaderValue(errorType.Length <= MaxErrorTypeHeaderChars ? errorType : errorType[..MaxErrorTypeHeaderChars]);
            head.Append("\r\n"u8);
        }

        head.Append("Content-Length: "u8);
        head.AppendInt(body.WrittenCount);
        head.Append("\r\n\r\n"u8);
        return pipelinedRequest.IsEmpty ? body.PrependHead(head.Written) : body.PrependHead(head.Written, pipelinedRequest);
    }

    /// <param name="requestId">The invocation the post is for, named in any log record about it.</param>
    private bool Post(ReadOnlySpan<byte> request, string what, string? requestId, bool pipelined = false)
    {
        if (!Exchange(request, what, out bool lost, pipelined, requestId))
        {
            // Lost mid-post: the gateway may or may not have taken it. Carry on; the next /next
            // finds out whether the gateway is still there (and exits if it is not).
            return lost;
        }

        int status = _connection.Head.StatusCode;
        if (status is >= 200 and < 300)
        {
            return true;
        }

        // 400 (unknown id), 403 (wrong state), 413 (too large): the gateway has already decided what the
        // caller sees; the runtime's job is to say so and move on. 5xx means "exit promptly".
        LogRefusal(what, status, requestId);
        return status < 500;
    }

    private bool Exchange(ReadOnlySpan<byte> request, string what, out bool lost, bool pipelined = false, string? requestId = null)
    {
        ExchangeStatus status = _connection.Exchange(request, pipelined);
        lost = status == ExchangeStatus.ConnectionLost;
        if (status == ExchangeStatus.Completed)
        {
            return true;
        }

        RuntimeLog.Error(status == ExchangeStatus.Unreachable
            ? $"{what}: cannot connect to the Runtime API at {_connection.Endpoint.Description}: {_connection.LastError}"
            : $"{what}: the Runtime API at {_connection.Endpoint.Description} closed the connection: {_connection.LastError}",
            requestId);
        return false;
    }

    private void LogRefusal(string what, int status, string? requestId = null)
    {
        ReadOnlySpan<byte> body = _connection.Body.Span;
        string text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 1024)]);
        RuntimeLog.Error($"{what}: the Runtime API answered {status}: {text}", requestId);
    }

    private static string ReadRequestId(ReadOnlySpan<byte> value)
    {
        // The id goes back into our request lines, so it must be a safe path segment: visible ASCII
        // without '/', '?', '#' or '%'. Lambda's are UUIDs.
        if (value.IsEmpty || value.Length > MaxRequestIdBytes)
        {
            RuntimeApiProtocolException.Throw("Missing or oversized Lambda-Runtime-Aws-Request-Id.");
        }

        foreach (byte b in value)
        {
            if (b is <= (byte)' ' or >= 0x7F or (byte)'/' or (byte)'?' or (byte)'#' or (byte)'%')
            {
                RuntimeApiProtocolException.Throw("Lambda-Runtime-Aws-Request-Id is not a valid path segment.");
            }
        }

        return Encoding.ASCII.GetString(value);
    }

    private static long ReadDeadline(ReadOnlySpan<byte> value)
    {
        // Like the Go and Rust runtimes: an event without a readable deadline is a broken platform.
        if (!Utf8Parser.TryParse(value, out long deadline, out int consumed) || consumed != value.Length ||
            deadline < 0 || deadline > MaxUnixMilliseconds)
        {
            RuntimeApiProtocolException.Throw("Missing or malformed Lambda-Runtime-Deadline-Ms.");
        }

        return deadline;
    }

    private string ReadArn(ReadOnlySpan<byte> value)
    {
        if (!value.SequenceEqual(_arnBytes))
        {
            _arnBytes = value.ToArray();
            _arn = Encoding.UTF8.GetString(value);
        }

        return _arn;
    }

    private static string? ReadOptional(HeaderRange range, ReadOnlySpan<byte> head) =>
        range.IsPresent ? Encoding.UTF8.GetString(range.Slice(head)) : null;
}
