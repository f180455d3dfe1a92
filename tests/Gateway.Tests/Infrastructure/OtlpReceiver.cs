using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Gateway.Tests.Infrastructure;

/// <summary>One span as an OTLP receiver sees it: ids in lower-case hex, attributes by key (string, bool, long or double).</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, int StatusCode, string StatusMessage,
                                  IReadOnlyDictionary<string, object> Attributes, IReadOnlyList<string> Events, IReadOnlyDictionary<string, object> Resource)
{
    public object? this[string key] => Attributes.TryGetValue(key, out var value) ? value : null;
}

/// <summary>
/// A real OTLP/HTTP trace receiver on a loopback port: accepts <c>POST /v1/traces</c> with
/// <c>application/x-protobuf</c> and decodes just enough of <c>ExportTraceServiceRequest</c> (a small varint and
/// length-delimited reader) to read span names, ids, parents, status, events and attributes.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private int _requests;

    public OtlpReceiver()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>The base endpoint (the exporter appends /v1/traces).</summary>
    public string Endpoint { get; }

    /// <summary>Export requests received (POST /v1/traces).</summary>
    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyList<ReceivedSpan> Spans => _spans.ToArray();

    /// <summary>Waits for a span that matches.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(Func<ReceivedSpan, bool> match, string what)
    {
        ReceivedSpan? found = null;
        await Poll.UntilAsync(() => (found = _spans.FirstOrDefault(match)) is not null, what, 30_000);
        return found!;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    /// <summary>HTTP/1.1 keep-alive: request line, headers, a Content-Length body; answers 200 with an empty
    /// ExportTraceServiceResponse.</summary>
    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    int headEnd;
                    while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
                    {
                        int n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }
                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    var head = Encoding.ASCII.GetString(buffer.GetRange(0, headEnd).ToArray());
                    var lines = head.Split("\r\n");
                    int length = lines.Skip(1).Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        .Select(l => int.Parse(l["Content-Length:".Length..].Trim())).FirstOrDefault();
                    int total = headEnd + 4 + length;
                    while (buffer.Count < total)
                    {
                        int n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }
                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    var body = buffer.GetRange(headEnd + 4, length).ToArray();
                    buffer.RemoveRange(0, total);
                    bool isTraces = lines[0].StartsWith("POST /v1/traces ", StringComparison.Ordinal)
                        && lines.Any(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase) && l.Contains("application/x-protobuf", StringComparison.OrdinalIgnoreCase));
                    if (isTraces)
                    {
                        Interlocked.Increment(ref _requests);
                        foreach (var span in DecodeRequest(body))
                        {
                            _spans.Enqueue(span);
                        }
                    }
                    var answer = isTraces
                        ? "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
                        : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
    {
        for (int i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    // ---- protobuf: ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; } ----

    public static List<ReceivedSpan> DecodeRequest(byte[] body)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var (field, _, resourceSpans) in Fields(body))
        {
            if (field != 1)
            {
                continue;
            }
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var resource = new Dictionary<string, object>();
            var scopes = new List<byte[]>();
            foreach (var (f, _, value) in Fields(resourceSpans))
            {
                if (f == 1)
                {
                    foreach (var (rf, _, attribute) in Fields(value))
                    {
                        if (rf == 1)
                        {
                            AddAttribute(resource, attribute);
                        }
                    }
                }
                else if (f == 2)
                {
                    scopes.Add(value);
                }
            }
            // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
            foreach (var scope in scopes)
            {
                foreach (var (f, _, span) in Fields(scope))
                {
                    if (f == 2)
                    {
                        spans.Add(DecodeSpan(span, resource));
                    }
                }
            }
        }
        return spans;
    }

    /// <summary>Span { trace_id = 1; span_id = 2; parent_span_id = 4; name = 5; kind = 6; attributes = 9; events = 11; status = 15; }</summary>
    private static ReceivedSpan DecodeSpan(byte[] span, Dictionary<string, object> resource)
    {
        string traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        int kind = 0, statusCode = 0;
        var attributes = new Dictionary<string, object>();
        var events = new List<string>();
        foreach (var (field, varint, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)varint; break;
                case 9: AddAttribute(attributes, value); break;
                case 11:
                    // Event { time_unix_nano = 1; name = 2; attributes = 3; }
                    events.Add(Fields(value).Where(e => e.Field == 2).Select(e => Encoding.UTF8.GetString(e.Value)).FirstOrDefault() ?? "");
                    break;
                case 15:
                    // Status { message = 2; code = 3; }
                    foreach (var (sf, sv, sb) in Fields(value))
                    {
                        if (sf == 2)
                        {
                            statusMessage = Encoding.UTF8.GetString(sb);
                        }
                        else if (sf == 3)
                        {
                            statusCode = (int)sv;
                        }
                    }
                    break;
            }
        }
        return new ReceivedSpan(traceId, spanId, parent, name, kind, statusCode, statusMessage, attributes, events, resource);
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2; }, AnyValue { string = 1; bool = 2; int = 3; double = 4; }</summary>
    private static void AddAttribute(Dictionary<string, object> into, byte[] keyValue)
    {
        string key = "";
        object value = "";
        foreach (var (field, _, bytes) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(bytes);
            }
            else if (field == 2)
            {
                foreach (var (af, av, ab) in Fields(bytes))
                {
                    value = af switch
                    {
                        1 => Encoding.UTF8.GetString(ab),
                        2 => av != 0,
                        3 => (long)av,
                        4 => BitConverter.Int64BitsToDouble((long)av),
                        _ => value,
                    };
                }
            }
        }
        into[key] = value;
    }

    /// <summary>The fields of one message: (number, the varint/fixed value, the length-delimited bytes).</summary>
    private static List<(int Field, ulong Varint, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, ulong, byte[])>();
        int i = 0;
        while (i < message.Length)
        {
            ulong tag = ReadVarint(message, ref i);
            int field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, ReadVarint(message, ref i), []));
                    break;
                case 1:
                    fields.Add((field, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(i, 8)), []));
                    i += 8;
                    break;
                case 2:
                    int length = checked((int)ReadVarint(message, ref i));
                    fields.Add((field, 0, message.AsSpan(i, length).ToArray()));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(i, 4)), []));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {tag & 7} at byte {i}.");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(byte[] message, ref int i)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = message[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting.WithTimeout(10_000);
    }
}
