using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gateway.Native;

namespace Gateway.RuntimeApi;

/// <summary>
/// A runtime connection's socket owned by <see cref="RuntimeEventLoop"/>: read only after epoll said it is readable
/// (no speculative read that finds EAGAIN), written with one non-blocking <c>send</c>/<c>sendmsg</c> from whichever
/// thread delivers, and waited on (read, or a full send buffer) through the loop, which resumes the waiter inline.
/// </summary>
/// <remarks>The .NET <see cref="Socket"/> stays the descriptor's owner (it closes it) but is never used for I/O, so .NET's
/// engine never registers it. Every system call holds a reference on its handle: a close from another thread waits until
/// the call returns instead of letting the number be reused under it.</remarks>
internal sealed class EpollTransport : RuntimeTransport
{
    /// <summary>Small sends (a 202, a /next head and a small event) are copied into one pinned buffer and sent with
    /// <c>send</c>; larger ones are gathered from the payload's pinned segments with <c>sendmsg</c>.</summary>
    private const int CopyLimit = 8 * 1024;
    private const int MaxIov = 16;
    private const int SendFlags = LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL;

    private readonly Socket _socket;
    private readonly SafeHandle _handle;
    private readonly int _fd;
    private readonly RuntimeEventLoop _loop;
    private readonly Readiness _read = new();
    private readonly Readiness _write = new();
    private readonly byte[] _small = GC.AllocateUninitializedArray<byte>(CopyLimit, pinned: true);
    private bool _wantsWrite;
    private int _disposed;

    public EpollTransport(Socket socket, RuntimeEventLoop loop)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        _fd = (int)_handle.DangerousGetHandle();
        _loop = loop;
        Stream = new ReadStream(this);
        _loop.Register(this, _fd);
    }

    /// <summary>Set by the loop when registering: names this socket in epoll.</summary>
    public long Token { get; set; }

    public override Stream Stream { get; }

    /// <summary>The loop's thread: what epoll reported. Hang-ups and errors wake both directions (the next call reports them).</summary>
    public void OnEvents(uint events)
    {
        if ((events & (LibC.EPOLLRDHUP | LibC.EPOLLHUP | LibC.EPOLLERR)) != 0)
        {
            _read.SignalFinal();
        }
        else if ((events & LibC.EPOLLIN) != 0)
        {
            _read.Signal();
        }
        if ((events & (LibC.EPOLLHUP | LibC.EPOLLERR)) != 0)
        {
            _write.SignalFinal();
        }
        else if ((events & LibC.EPOLLOUT) != 0)
        {
            _write.Signal();
        }
    }

    public override ValueTask<int> WaitReadableAsync() => _read.WaitAsync();

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        if (!buffer.IsEmpty && _read.TryConsume())
        {
            int n = Receive(buffer.Span);
            if (n >= 0)
            {
                if (n == buffer.Length)
                {
                    _read.MarkReady(); // filled: the kernel may hold more, and no new edge would say so
                }
                return new ValueTask<int>(n);
            }
        }
        return ReceiveSlowAsync(buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveSlowAsync(Memory<byte> buffer)
    {
        while (true)
        {
            await _read.WaitAsync().ConfigureAwait(false);
            if (buffer.IsEmpty)
            {
                return 0;
            }
            if (_read.TryConsume())
            {
                int n = Receive(buffer.Span);
                if (n >= 0)
                {
                    if (n == buffer.Length)
                    {
                        _read.MarkReady();
                    }
                    return n;
                }
            }
        }
    }

    /// <summary>One non-blocking recv: bytes received (0 at end of stream), or -1 when there is nothing (EAGAIN).</summary>
    private unsafe int Receive(Span<byte> span)
    {
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = span)
            {
                nint n;
                bool wouldBlock;
                do
                {
                    n = LibC.recv(_fd, p, (nuint)span.Length, LibC.MSG_DONTWAIT);
                }
                while (!Settled(n, out wouldBlock));
                return wouldBlock ? -1 : (int)n;
            }
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> bytes)
    {
        _write.TryConsume();
        long sent = TrySend(bytes.Span);
        return sent == bytes.Length ? ValueTask.CompletedTask : SendRestAsync(bytes, sent);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> bytes, long sent)
    {
        try
        {
            while (sent < bytes.Length)
            {
                long n = TrySend(bytes.Span[(int)sent..]);
                if (n > 0)
                {
                    sent += n;
                    continue;
                }
                await WaitWritableAsync().ConfigureAwait(false);
                _write.TryConsume();
            }
        }
        finally
        {
            StopWaitingWritable();
        }
    }

    public override ValueTask SendAsync(IList<ArraySegment<byte>> buffers)
    {
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Count;
        }
        _write.TryConsume();
        long sent = total <= CopyLimit ? TrySendCopied(buffers, total) : TrySendGathered(buffers, 0);
        return sent == total ? ValueTask.CompletedTask : SendRestAsync(buffers, sent, total);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendRestAsync(IList<ArraySegment<byte>> buffers, long sent, long total)
    {
        try
        {
            while (sent < total)
            {
                long n = TrySendGathered(buffers, sent);
                if (n > 0)
                {
                    sent += n;
                    continue;
                }
                await WaitWritableAsync().ConfigureAwait(false);
                _write.TryConsume();
            }
        }
        finally
        {
            StopWaitingWritable();
        }
    }

    /// <summary>All of a small list copied into the pinned buffer and sent at once.</summary>
    private long TrySendCopied(IList<ArraySegment<byte>> buffers, long total)
    {
        int at = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            var segment = buffers[i];
            segment.AsSpan().CopyTo(_small.AsSpan(at));
            at += segment.Count;
        }
        return TrySend(_small.AsSpan(0, (int)total));
    }

    /// <summary>One non-blocking send; bytes taken by the kernel (0 when its buffer is full).</summary>
    private unsafe long TrySend(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty)
        {
            return 0;
        }
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = span)
            {
                nint n;
                bool wouldBlock;
                do
                {
                    n = LibC.send(_fd, p, (nuint)span.Length, SendFlags);
                }
                while (!Settled(n, out wouldBlock));
                return wouldBlock ? 0 : n;
            }
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>One non-blocking sendmsg of the list from byte <paramref name="from"/> on (up to 16 pieces, each pinned
    /// for the call); bytes taken by the kernel (0 when its buffer is full).</summary>
    private unsafe long TrySendGathered(IList<ArraySegment<byte>> buffers, long from)
    {
        LibC.IoVec* iov = stackalloc LibC.IoVec[MaxIov];
        Span<GCHandle> pins = stackalloc GCHandle[MaxIov];
        int count = 0;
        bool added = false;
        try
        {
            long skip = from;
            for (int i = 0; i < buffers.Count && count < MaxIov; i++)
            {
                var segment = buffers[i];
                if (skip >= segment.Count)
                {
                    skip -= segment.Count;
                    continue;
                }
                pins[count] = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
                iov[count].Base = (byte*)pins[count].AddrOfPinnedObject() + segment.Offset + skip;
                iov[count].Length = (nuint)(segment.Count - skip);
                skip = 0;
                count++;
            }
            if (count == 0)
            {
                return 0;
            }
            LibC.MsgHdr message = default;
            message.Iov = iov;
            message.IovLength = (nuint)count;
            _handle.DangerousAddRef(ref added);
            nint n;
            bool wouldBlock;
            do
            {
                n = LibC.sendmsg(_fd, &message, SendFlags);
            }
            while (!Settled(n, out wouldBlock));
            return wouldBlock ? 0 : n;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
            for (int i = 0; i < count; i++)
            {
                pins[i].Free();
            }
        }
    }

    /// <summary>Asks the loop for output readiness too (only while a send waits: see the class remarks), then waits.</summary>
    private ValueTask<int> WaitWritableAsync()
    {
        if (!_wantsWrite)
        {
            _wantsWrite = true;
            Rearm(wantWrite: true); // queues an event at once if there is room already
        }
        return _write.WaitAsync();
    }

    private void StopWaitingWritable()
    {
        if (_wantsWrite)
        {
            _wantsWrite = false;
            Rearm(wantWrite: false);
        }
    }

    /// <summary>epoll_ctl(MOD) while holding the handle, and only while registered: after Dispose's DEL the number may
    /// belong to another socket by the time this runs, whose registration it must not touch.</summary>
    private void Rearm(bool wantWrite)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            if (Volatile.Read(ref _disposed) == 0)
            {
                _loop.Modify(_fd, Token, wantWrite);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// What one non-blocking recv/send/sendmsg that returned <paramref name="n"/> came to: true when it is settled —
    /// bytes moved (n ≥ 0), or <paramref name="wouldBlock"/> when the kernel had nothing to give or no room (EAGAIN) —
    /// false when a signal interrupted it (EINTR: call again); any other error throws.
    /// </summary>
    private static bool Settled(nint n, out bool wouldBlock)
    {
        wouldBlock = false;
        if (n >= 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.EAGAIN)
        {
            wouldBlock = true;
            return true;
        }
        return errno == LibC.EINTR ? false : throw Failure(errno);
    }

    private static SocketException Failure(int errno) => new(errno switch
    {
        32 or 104 => (int)SocketError.ConnectionReset, // EPIPE, ECONNRESET: the runtime is gone
        9 => (int)SocketError.OperationAborted, // EBADF
        _ => (int)SocketError.SocketError,
    });

    public override void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both); // epoll reports the hang-up: the connection's waits end
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        // Wake both directions for good, even if the socket was already shut: the connection's loop disposes.
        _read.SignalFinal();
        _write.SignalFinal();
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _loop.Unregister(_fd, Token);
        _socket.Dispose();
    }

    /// <summary>The stream the connection's pipe reads: receives through the transport.</summary>
    private sealed class ReadStream(EpollTransport transport) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => transport.ReceiveAsync(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => transport.ReceiveAsync(buffer.AsMemory(offset, count)).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
