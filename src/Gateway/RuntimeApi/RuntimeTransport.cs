using System.Net.Sockets;

namespace Gateway.RuntimeApi;

/// <summary>
/// How a <see cref="RuntimeApiConnection"/> moves bytes on its socket: through the runtime's own event loop
/// (<see cref="EpollTransport"/>, <c>--runtime-api-epoll true</c>) or through .NET's socket engine
/// (<see cref="SocketTransport"/>, <c>false</c>, the default: as before).
/// </summary>
/// <remarks>One reader and one writer at a time (the connection reads in its loop, and writes either there or, while its
/// /next is parked, from the delivering thread); reads and writes may run on any thread.</remarks>
internal abstract class RuntimeTransport : IDisposable
{
    /// <summary>The socket, for choosing one: TCP or Unix.</summary>
    public static RuntimeTransport Create(Socket socket, bool epoll)
        => epoll ? new EpollTransport(socket, RuntimeEventLoop.Shared) : new SocketTransport(socket);

    /// <summary>The byte stream the connection's pipe reads from.</summary>
    public abstract Stream Stream { get; }

    /// <summary>Completes when the runtime has sent something (or hung up), without taking any of it.</summary>
    public abstract ValueTask<int> WaitReadableAsync();

    /// <summary>Receives into <paramref name="buffer"/>; 0 at end of stream.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>Sends every byte; throws <see cref="SocketException"/> when the runtime is gone.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>Sends every byte of <paramref name="buffers"/> in one gather write where the kernel takes it all.</summary>
    public abstract ValueTask SendAsync(IList<ArraySegment<byte>> buffers);

    /// <summary>From another thread (the environment is ending): makes the connection's waits end, so its loop exits
    /// and disposes the transport itself.</summary>
    public abstract void Shutdown();

    public abstract void Dispose();
}

/// <summary>The socket through .NET's socket engine: a zero-byte receive to wait, a pipe over a NetworkStream, a cached
/// <see cref="SocketAsyncEventArgs"/> for gather writes (<see cref="GatherSender"/>).</summary>
internal sealed class SocketTransport(Socket socket) : RuntimeTransport
{
    private readonly GatherSender _sender = new();

    public override Stream Stream { get; } = new NetworkStream(socket, ownsSocket: false);

    // The socket's cached receive (a 1-byte peek) waits for bytes; the pipe's read then completes at once.
    public override ValueTask<int> WaitReadableAsync() => socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

    /// <summary>The Memory overload: a ValueTask over the socket's cached args (the byte[] overload allocates a Task).</summary>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> bytes) => AsValueTask(socket.SendAsync(bytes, SocketFlags.None, CancellationToken.None));

    public override ValueTask SendAsync(IList<ArraySegment<byte>> buffers) => _sender.SendAsync(socket, buffers);

    public override void Shutdown()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose(); // aborts the engine's pending operations
    }

    public override void Dispose()
    {
        socket.Dispose();
        _sender.Dispose();
    }

    private static ValueTask AsValueTask(ValueTask<int> send)
    {
        if (send.IsCompletedSuccessfully)
        {
            send.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }
        return AwaitSend(send);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitSend(ValueTask<int> send) => await send.ConfigureAwait(false);
}
