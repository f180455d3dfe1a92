using System.Net;
using System.Net.Sockets;
using RESPite.Transports;

namespace Gateway.Cluster.Transport;

/// <summary>
/// StackExchange.Redis's connection to Redis as a <see cref="DuplexTransport"/> over one blocking TCP socket: a
/// command is sent by the thread that issues it (the library's flush, under its single-writer lock, is one
/// <c>send</c>), and replies are read by a thread of this transport's own, blocked in <c>recv</c>, which hands them to
/// the library's parser and then resumes the awaited admissions inline (<see cref="InlineReplies"/>).
/// </summary>
/// <remarks>
/// Why: over its own sockets the library hops through the thread pool three times per awaited command (its writer
/// task copies the command out, the socket's completion runs its reader, the reply's Task resumes the caller through
/// <c>RunContinuationsAsynchronously</c>). On two cores each hop woke a sleeping worker that then spun before sleeping
/// again: ~45 % of a cluster node's CPU (docs/performance.md, issue 14, clat). Here a command costs its <c>send</c> and
/// its reply one wake-up of the reader thread, which never spins. The socket stays in blocking mode (it is connected
/// synchronously and never used asynchronously): .NET emulates blocking calls on a non-blocking socket by waiting for
/// its event thread, which would put a hop back.
/// </remarks>
#pragma warning disable SER009 // DuplexTransport is the library's experimental transport seam (StackExchange.Redis 3.4)
internal sealed class SocketTransport : DuplexTransport
{
    private const int InitialOutput = 4096;
    private const int KeptOutput = 64 * 1024;

    private readonly Socket _socket;
    private readonly InlineReplies _replies;
    private readonly Lock _output = new();
    private byte[] _staged = new byte[InitialOutput];
    private int _stagedLength;
    private TransportReceiver? _receiver;
    private int _closed;
    private int _closedReported;

    private SocketTransport(Socket socket, InlineReplies replies)
    {
        _socket = socket;
        _replies = replies;
    }

    /// <summary>Connects (synchronously, on a pool thread, so the socket stays blocking), or throws after <paramref name="timeout"/>.</summary>
    public static async ValueTask<SocketTransport> ConnectAsync(EndPoint endpoint, InlineReplies replies, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        // A send blocks the issuing thread (often a request thread) only while the kernel's buffer is full: a Redis
        // that stops reading (stopped, partitioned without a reset) fails the send after this long, which closes the
        // connection, instead of holding that thread until the library's own timeout disposes the transport.
        socket.SendTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        var outcome = new int[1]; // 1: connected in time, 2: timed out (the timer closed the socket)
        using var abort = new Timer(_ =>
        {
            if (Interlocked.CompareExchange(ref outcome[0], 2, 0) == 0)
            {
                socket.Dispose();
            }
        }, null, timeout, Timeout.InfiniteTimeSpan);
        try
        {
            await Task.Run(() => socket.Connect(endpoint)).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref outcome[0], 1, 0) != 0)
            {
                throw new ObjectDisposedException(nameof(Socket), "timed out");
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut, $"Could not connect to {endpoint} within {timeout.TotalMilliseconds:0} ms ({ex.Message})");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SocketTransport(socket, replies);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        lock (_output)
        {
            int need = _stagedLength + Math.Max(sizeHint, 256);
            if (need > _staged.Length)
            {
                Array.Resize(ref _staged, Math.Max(need, _staged.Length * 2));
            }
            return _staged.AsMemory(_stagedLength);
        }
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int count)
    {
        lock (_output)
        {
            _stagedLength += count;
        }
    }

    public override bool Flush()
    {
        lock (_output)
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                _stagedLength = 0;
                return false;
            }
            try
            {
                if (_stagedLength > 0)
                {
                    _socket.Send(_staged, 0, _stagedLength, SocketFlags.None); // blocking: all of it, or throws
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Close(); // the reader sees the socket end and reports it (OnClosed)
                return false;
            }
            finally
            {
                _stagedLength = 0;
                if (_staged.Length > KeptOutput)
                {
                    _staged = new byte[InitialOutput]; // one large command (an Event's body) does not keep its buffer
                }
            }
            return true;
        }
    }

    public override void Start(TransportReceiver receiver)
    {
        _receiver = receiver;
        new Thread(ReadLoop) { IsBackground = true, Name = "Redis reader" }.Start();
    }

    public override ValueTask DisposeAsync()
    {
        Close();
        if (_receiver is null)
        {
            _socket.Dispose();
        }
        return default;
    }

    private void ReadLoop()
    {
        var receiver = _receiver!;
        var buffer = new byte[16 * 1024];
        Exception? fault = null;
        try
        {
            while (true)
            {
                int read = _socket.Receive(buffer, SocketFlags.None);
                if (read <= 0 || !receiver.OnReceived(buffer.AsSpan(0, read)))
                {
                    break;
                }
                _replies.RunCompleted(); // the admissions whose reply this was continue here, on this thread
                receiver.OnBatchEnd();   // flushes what they staged without flushing (the library's contract)
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            fault = Volatile.Read(ref _closed) != 0 ? null : ex;
        }
        catch (Exception ex)
        {
            fault = ex;
        }
        Close();
        _socket.Dispose();
        if (Interlocked.Exchange(ref _closedReported, 1) == 0)
        {
            receiver.OnClosed(fault);
        }
        _replies.RunCompleted(); // the library fails what was outstanding: let those callers see it
    }

    private void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Both); // wakes the reader's recv
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // already gone
            }
        }
    }
}
