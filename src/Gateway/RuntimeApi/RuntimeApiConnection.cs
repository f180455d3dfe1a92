using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using System.Threading.Tasks.Sources;
using Gateway.Environments;
using Gateway.Invocations;
using Gateway.Streaming;

namespace Gateway.RuntimeApi;

/// <summary>
/// One connection from a runtime to its environment's Runtime API: a loop of HTTP/1.1 requests
/// (<c>/next</c>, <c>/response</c>, <c>/error</c>, <c>/init/error</c>) answered in order.
/// </summary>
/// <remarks>
/// A parked <c>/next</c> is answered by whoever dispatches the next invocation (<see cref="DeliverAsync"/>),
/// straight from the invoke request's thread, so an invocation reaches a warm worker without a thread hop.
/// The loop waits for that delivery before it reads the next request, which keeps HTTP responses in order.
/// Request and response bodies are read into pooled payloads once and never copied again.
/// </remarks>
internal sealed partial class RuntimeApiConnection : IValueTaskSource<bool>, IRuntimeApiConnection
{
    private readonly RuntimeTransport _transport;
    private readonly ExecutionEnvironment _environment;
    private readonly PipeReader _reader;
    private readonly byte[] _id = new byte[64];
    private readonly byte[] _head = new byte[HeadBufferBytes];

    /// <summary>The largest /next head with room to spare: a caller's trace header may be 8,192 characters
    /// (Invoke/TraceIds.MaxIncomingLength) and the client context 2,687 bytes (3,583 of base64, decoded), plus an ARN
    /// and fixed text under 1 KB — about 12 KB.</summary>
    private const int HeadBufferBytes = 16 * 1024;

    /// <summary>A delivery whose 202, head and payload fit this is copied into the head buffer and sent as one buffer;
    /// a larger one is a gather write (the threshold the buffer had before it grew for long trace headers).</summary>
    private const int SingleSendBytes = 8 * 1024;
    private readonly List<ArraySegment<byte>> _sendList = new(4);
    private readonly Func<PooledPayload, PooledPayload> _swapScratch;
    private PooledPayload _scratch = new();

    // The 202 for the runtime's last answer is not written yet: see HandleResultAsync. Only the connection's own loop
    // and, while its /next is parked, DeliverAsync touch it (the environment's lock orders the two).
    private bool _owesAccepted;
    private bool _holdsLargeHead; // a LargeHeadBudget slot, while a head past 64 KB is being buffered
    private ManualResetValueTaskSourceCore<bool> _delivered = new() { RunContinuationsAsynchronously = true };

    public RuntimeApiConnection(RuntimeTransport transport, ExecutionEnvironment environment)
    {
        _transport = transport;
        _environment = environment;
        _swapScratch = SwapScratch; // one delegate per connection, not one per result
        // A delivery resumes this connection's loop on the delivering thread (it only re-arms the read of the runtime's
        // answer) instead of queueing it to the thread pool: one hop and one wake-up less per invocation.
        _delivered.RunContinuationsAsynchronously = !environment.Options.InlineScheduling;
        // No zero-byte reads in the pipe: RunAsync waits for the runtime's next request itself (WaitReadableAsync: an
        // idle connection still holds no buffer), so the pipe's read then completes at once.
        _reader = PipeReader.Create(transport.Stream,
            new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: false));
    }

    /// <summary>
    /// The connection's loop. The two waits of every invocation happen in this frame, whose state machine is allocated
    /// once per connection: the wait for the runtime's next request, and a parked /next's wait for its delivery. In
    /// pooled-builder methods, as they were, each such wait rented a box on one thread and returned it on another (the
    /// delivering thread, the socket's), missing the pool's per-thread cache: 0 to ~350 B per invocation, depending on
    /// how the threads were scheduled (docs/performance.md, "Where the dispatch round trip's bytes went").
    /// </summary>
    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                // A deferred 202 goes out before this loop waits for the runtime: it waits for nothing else.
                if (!_reader.TryRead(out var read))
                {
                    await FlushDeferredAsync().ConfigureAwait(false);
                    // Wait here for bytes (the event loop's readiness, or the socket engine's zero-byte receive): the pipe's
                    // read then completes at once instead of suspending in its own pooled method.
                    await _transport.WaitReadableAsync().ConfigureAwait(false);
                    read = await _reader.ReadAsync().ConfigureAwait(false);
                }
                var status = TakeHead(read, out var head);
                if (status == ParseStatus.Incomplete)
                {
                    if (read.IsCompleted)
                    {
                        break; // EOF between requests: the normal way a connection ends
                    }
                    continue;
                }
                if (status != ParseStatus.Complete)
                {
                    await SendAsync(status == ParseStatus.TooLarge ? RuntimeReplies.HeadTooLarge : RuntimeReplies.BadRequest).ConfigureAwait(false);
                    break;
                }
                bool keepOpen;
                if (head.Route == RuntimeRoute.Next && head.Method == RuntimeMethod.Get)
                {
                    if (!_environment.ExtensionSet.InitDone)
                    {
                        await _environment.ExtensionsInitAsync().ConfigureAwait(false); // init ends with the extensions ready
                    }
                    var decision = _environment.OnNext(this, out var invocation, out var rejection);
                    if (decision == NextDecision.Parked)
                    {
                        // Wait until an invocation has been written to this connection (or it was given up).
                        keepOpen = await new ValueTask<bool>(this, _delivered.Version).ConfigureAwait(false);
                    }
                    else if (decision == NextDecision.Deliver)
                    {
                        await DeliverAsync(invocation!).ConfigureAwait(false);
                        keepOpen = true;
                    }
                    else
                    {
                        await SendAsync(rejection!).ConfigureAwait(false);
                        keepOpen = rejection != RuntimeReplies.ContainerError;
                    }
                }
                else
                {
                    keepOpen = await HandleRequestAsync(head).ConfigureAwait(false);
                }
                if (!keepOpen || head.ConnectionClose)
                {
                    // A post that asked to close (Connection: close, as Python's urllib always sends; HTTP/1.0) still
                    // gets its 202 first: AWS's Go net/http writes every handler's answer before it closes.
                    await FlushDeferredAsync(closing: true).ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The runtime hung up or the environment is going away.
        }
        catch (Exception ex)
        {
            // A bug, not a peer problem: say so loudly, and let the environment's own endings (deadline, exit)
            // still complete its invocation.
            Console.Error.WriteLine($"[gateway] Runtime API connection of {_environment.Function.Name} failed: {ex}");
        }
        finally
        {
            ReleaseLargeHead();
            _environment.OnConnectionClosed(this);
            await _reader.CompleteAsync().ConfigureAwait(false);
            _transport.Dispose();
            _scratch.Reset();
        }
    }

    /// <summary>Parses a request head from <paramref name="read"/> and advances the reader past it (Complete), or marks
    /// the bytes examined so the next read waits for more (Incomplete, not at EOF), or consumes them (anything else).</summary>
    private ParseStatus TakeHead(in ReadResult read, out RuntimeRequestHead head)
    {
        var buffer = read.Buffer;
        var status = RuntimeRequestParser.TryParse(buffer, _id, out head, out var consumed);
        if (status == ParseStatus.Incomplete && buffer.Length > LargeHeadBudget.SmallHead && !_holdsLargeHead)
        {
            _holdsLargeHead = _environment.LargeHeads.TryClaim();
            if (!_holdsLargeHead)
            {
                status = ParseStatus.TooLarge; // the environment's slots are taken: refused as a head past the limit is
            }
        }
        if (status != ParseStatus.Incomplete)
        {
            ReleaseLargeHead();
        }
        if (status == ParseStatus.Complete)
        {
            _reader.AdvanceTo(consumed);
        }
        else if (status == ParseStatus.Incomplete && !read.IsCompleted)
        {
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
        else
        {
            _reader.AdvanceTo(buffer.End);
        }
        return status;
    }

    private void ReleaseLargeHead()
    {
        if (_holdsLargeHead)
        {
            _holdsLargeHead = false;
            _environment.LargeHeads.Release();
        }
    }

    /// <summary>Handles one request other than GET /next (RunAsync's own); false when the connection should close.</summary>
    private ValueTask<bool> HandleRequestAsync(RuntimeRequestHead head) => head.Route switch
    {
        RuntimeRoute.Response or RuntimeRoute.Error or RuntimeRoute.InitError when head.Method == RuntimeMethod.Post => HandleResultAsync(head),
        >= RuntimeRoute.ExtensionRegister => HandleExtensionRequestAsync(head),
        RuntimeRoute.Ping when head.Method == RuntimeMethod.Get => DiscardBodyAndReplyAsync(head, RuntimeReplies.Pong),
        RuntimeRoute.Unknown => DiscardBodyAndReplyAsync(head, RuntimeReplies.NotFound),
        _ => DiscardBodyAndReplyAsync(head, RuntimeReplies.MethodNotAllowed),
    };

    // The async methods below usually complete without waiting (the runtime's body is in the pipe by the time its head
    // is); when one waits (a body still arriving, a full socket buffer), its state machine comes from a pool instead of
    // the heap (PoolingAsyncValueTaskMethodBuilder).

    /// <summary>Writes the /next response for <paramref name="invocation"/>: headers and payload in one gather write.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask DeliverAsync(Invocation invocation)
    {
        // The 202 of the runtime's last post (which pipelined this /next behind it), the head and the payload go out in
        // one write. When all of it fits the head buffer (the usual small event) it is copied there and sent as one
        // buffer: a plain send, without the socket engine's buffer-list plumbing of a gather write (its per-send
        // list copy and pinning showed in the profile, docs/performance.md, wave 6).
        int at = 0;
        bool owed = _owesAccepted;
        _owesAccepted = false;
        if (owed)
        {
            RuntimeReplies.Accepted.CopyTo(_head, 0);
            at = RuntimeReplies.Accepted.Length;
        }
        int n = FormatNextHead(_head.AsSpan(at), invocation);
        long payload = invocation.Request.Length;
        bool sent = false;
        try
        {
            if (at + n + payload <= SingleSendBytes)
            {
                int end = at + n;
                foreach (var segment in invocation.Request.Segments)
                {
                    segment.AsSpan().CopyTo(_head.AsSpan(end));
                    end += segment.Count;
                }
                await _transport.SendAsync(_head.AsMemory(0, end)).ConfigureAwait(false);
            }
            else
            {
                _sendList.Clear();
                _sendList.Add(new ArraySegment<byte>(_head, 0, at + n));
                foreach (var segment in invocation.Request.Segments)
                {
                    _sendList.Add(segment);
                }
                await _transport.SendAsync(_sendList).ConfigureAwait(false);
            }
            sent = true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The runtime's connection is gone. The invocation stays current: a runtime that reconnects and calls
            // /next gets it again (as AWS's emulator re-delivers on a repeated /next); if the process died, its
            // exit completes the invocation.
        }
        finally
        {
            _sendList.Clear();
        }
        SignalParked(sent);
    }

    /// <summary>Releases a parked /next without an invocation (a newer /next replaced it, or the environment is ending).</summary>
    public void Abandon() => SignalParked(false);

    private void SignalParked(bool keepOpen)
    {
        if (_delivered.GetStatus(_delivered.Version) == ValueTaskSourceStatus.Pending && _parked)
        {
            _parked = false;
            _delivered.SetResult(keepOpen);
        }
    }

    private bool _parked;

    /// <summary>Called by the environment (under its lock) when this connection's /next is parked.</summary>
    public void MarkParked()
    {
        _delivered.Reset();
        _parked = true;
    }

    /// <summary>The /next response head for <paramref name="invocation"/> into <paramref name="span"/> (the connection's
    /// 16 KB head buffer); returns its length. Static and internal so the allocation budget
    /// (bench/Gateway.Benchmarks/WorkerProtocolBenchmarks.cs) measures this code, not a copy of it.</summary>
    internal static int FormatNextHead(Span<byte> span, Invocation invocation)
    {
        if (invocation.Trace.Span is not null && invocation.Trace.Delivered == 0)
        {
            invocation.Trace.Delivered = System.Diagnostics.Stopwatch.GetTimestamp(); // the "run" phase begins
        }
        Utf8.TryWrite(span,
            $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {invocation.RequestId}\r\nLambda-Runtime-Deadline-Ms: {invocation.DeadlineUnixMs}\r\nLambda-Runtime-Invoked-Function-Arn: {invocation.InvokedFunctionArn}\r\nLambda-Runtime-Trace-Id: ",
            out int n);
        n += invocation.WriteTraceId(span[n..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        if (invocation.ClientContext is { } context)
        {
            Utf8.TryWrite(span[n..], $"Lambda-Runtime-Client-Context: {context}\r\n", out int m);
            n += m;
        }
        Utf8.TryWrite(span[n..], $"Content-Length: {invocation.Request.Length}\r\n\r\n", out int last);
        return n + last;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleResultAsync(RuntimeRequestHead head)
    {
        int limit = _environment.ResponseLimit;
        var idSpan = _id.AsMemory(0, head.RequestIdLength);

        // Refuse early (before reading the body) when the id or the state is wrong.
        bool streams = false;
        var early = head.Route == RuntimeRoute.InitError
            ? _environment.CheckInitError()
            : head.RequestIdTooLong ? RuntimeReplies.InvalidRequestId : _environment.CheckResult(idSpan.Span, head.Route == RuntimeRoute.Error, out streams);
        if (early is not null)
        {
            return await DiscardBodyAndReplyAsync(head, early).ConfigureAwait(false);
        }
        if (head.Route == RuntimeRoute.Response && head.ResponseMode is not null)
        {
            return head.ResponseMode == "streaming"
                ? await HandleStreamedResponseAsync(head, idSpan, StreamContentTypes.Default).ConfigureAwait(false)
                : await RefuseResponseModeAsync(head, idSpan).ConfigureAwait(false);
        }
        if (head.Route == RuntimeRoute.Response && streams)
        {
            // Invoked through a streaming API: streamed whether or not the runtime said so (StreamContentTypes.Json).
            return await HandleStreamedResponseAsync(head, idSpan, StreamContentTypes.Json).ConfigureAwait(false);
        }

        // A body declared over the limit is read and thrown away before the 413 (BodyReader.DrainLimit: runtimes that
        // write it all before reading the reply would otherwise crash on the closed socket), unless the runtime asked
        // first (Expect: 100-continue): then it gets the 413 instead of the 100 and never sends the body.
        bool declaredTooLarge = !head.Chunked && head.ContentLength > limit;
        if (head.ExpectContinue && !declaredTooLarge)
        {
            await SendAsync(RuntimeReplies.Continue).ConfigureAwait(false);
        }
        _scratch.Reset();
        if (head.ContentLength > 0 && head.ContentLength <= limit)
        {
            _scratch.Reserve((int)head.ContentLength);
        }
        long drainLimit = head.ExpectContinue && declaredTooLarge ? 0 : BodyReader.DrainLimit(limit);
        var body = await BodyReader.ReadAsync(_reader, head, _scratch, limit, _transport, drainLimit).ConfigureAwait(false);
        if (body == BodyStatus.Truncated)
        {
            await SendAsync(RuntimeReplies.TruncatedRequest).ConfigureAwait(false);
            return false;
        }

        byte[] reply;
        if (head.Route == RuntimeRoute.InitError)
        {
            reply = await _environment.OnInitErrorAsync(this, head.ErrorType, _swapScratch).ConfigureAwait(false);
            if (reply == RuntimeReplies.Accepted)
            {
                try
                {
                    await SendAsync(reply).ConfigureAwait(false); // now, not deferred: the environment stops next
                }
                finally
                {
                    _environment.StopAfterInitError();
                }
                return true;
            }
        }
        else if (body is BodyStatus.TooLarge or BodyStatus.TooLargeDiscarded)
        {
            // An /error too large ends the invocation as a /response too large does: left open, the runtime's
            // next /next would get the same event again, and run it again, until the deadline.
            reply = await _environment.OnResponseTooLargeAsync(idSpan, head.Route == RuntimeRoute.Error).ConfigureAwait(false);
            // A body read to its end leaves the connection usable (the runtime's next /next may follow on it); one
            // refused unread cannot be.
            bool keepOpen = body == BodyStatus.TooLargeDiscarded;
            await SendAsync(reply == RuntimeReplies.Accepted ? RuntimeReplies.PayloadTooLarge(limit, close: !keepOpen || head.ConnectionClose) : reply).ConfigureAwait(false);
            return keepOpen;
        }
        else
        {
            reply = await _environment.OnResultAsync(idSpan, head.Route == RuntimeRoute.Error, head.ErrorType, _swapScratch).ConfigureAwait(false);
        }
        if (reply == RuntimeReplies.Accepted)
        {
            // Sent with whatever this connection writes next: at the latest before the loop waits to read again
            // (HandleOneRequestAsync), so a runtime that waits for its 202 gets it at once, and a runtime that
            // pipelined its next /next behind this post gets the 202 and its next event in one write.
            _owesAccepted = true;
            return true;
        }
        await SendAsync(reply).ConfigureAwait(false);
        return true;
    }

    /// <summary>Hands the body just read to the invocation and takes its empty payload object in exchange.</summary>
    private PooledPayload SwapScratch(PooledPayload emptyFromInvocation)
    {
        var body = _scratch;
        _scratch = emptyFromInvocation;
        return body;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DiscardBodyAndReplyAsync(RuntimeRequestHead head, byte[] reply)
    {
        if (head.ContentLength > 0 || head.Chunked)
        {
            if (head.ExpectContinue)
            {
                // Tell the client not to send a body we would throw away; it may still send it, so close.
                await SendAsync(reply).ConfigureAwait(false);
                return false;
            }
            // Read up to the payload limit only, not DrainLimit's 16 MiB: a refused post's runtime gains nothing from a
            // longer drain, and the gateway would spend its own CPU on it (a chunked body of 1-byte chunks costs ~430 ns each).
            int limit = _environment.ResponseLimit;
            var status = await BodyReader.ReadAsync(_reader, head, null, limit, null, limit).ConfigureAwait(false);
            if (status is not (BodyStatus.Complete or BodyStatus.TooLargeDiscarded))
            {
                await SendAsync(reply).ConfigureAwait(false);
                return false;
            }
        }
        await SendAsync(reply).ConfigureAwait(false);
        return reply != RuntimeReplies.ContainerError;
    }

    /// <summary>Sends <paramref name="bytes"/>, after an owed 202 if there is one (in one gather write).</summary>
    private ValueTask SendAsync(byte[] bytes)
    {
        if (_owesAccepted)
        {
            _owesAccepted = false;
            _sendList.Clear();
            _sendList.Add(RuntimeReplies.Accepted);
            _sendList.Add(bytes);
            return SendListAsync();
        }
        return SendOneAsync(bytes);
    }

    /// <param name="closing">The connection closes after this write: the 202 says so (Connection: close).</param>
    private ValueTask FlushDeferredAsync(bool closing = false)
    {
        if (!_owesAccepted)
        {
            return ValueTask.CompletedTask;
        }
        _owesAccepted = false;
        return SendOneAsync(closing ? RuntimeReplies.AcceptedClose : RuntimeReplies.Accepted);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendListAsync()
    {
        try
        {
            await _transport.SendAsync(_sendList).ConfigureAwait(false);
        }
        finally
        {
            _sendList.Clear();
        }
    }

    private ValueTask SendOneAsync(byte[] bytes) => _transport.SendAsync(bytes);

    /// <summary>Closes the socket (the environment is ending); the loop then exits.</summary>
    public void Close()
    {
        Abandon();
        _transport.Shutdown();
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _delivered.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _delivered.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _delivered.OnCompleted(continuation, state, token, flags);
}
