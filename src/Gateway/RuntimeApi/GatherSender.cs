using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Gateway.RuntimeApi;

/// <summary>
/// Sends a list of buffers (the /next head and the payload's segments) in one gather write, reusing one
/// <see cref="SocketAsyncEventArgs"/> per connection: unlike <c>Socket.SendAsync(IList&lt;ArraySegment&gt;)</c>,
/// which returns a new <c>Task&lt;int&gt;</c> per call, nothing is allocated per send once it is warm.
/// </summary>
/// <remarks>One send at a time (a connection delivers one invocation at a time); a stream socket's send completes
/// only when every byte has been handed to the kernel, so there is no partial send to resume.</remarks>
internal sealed class GatherSender : SocketAsyncEventArgs, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public GatherSender()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        // The continuation is the connection's own loop: let it go on on the completing thread.
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>Sends every byte of <paramref name="buffers"/>; throws <see cref="SocketException"/> on failure.</summary>
    public ValueTask SendAsync(Socket socket, IList<ArraySegment<byte>> buffers)
    {
        _core.Reset();
        BufferList = buffers;
        if (socket.SendAsync(this))
        {
            return new ValueTask(this, _core.Version);
        }
        var error = SocketError;
        BufferList = null;
        return error == SocketError.Success ? ValueTask.CompletedTask : ValueTask.FromException(new SocketException((int)error));
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        var error = SocketError;
        BufferList = null;
        if (error == SocketError.Success)
        {
            _core.SetResult(true);
        }
        else
        {
            _core.SetException(new SocketException((int)error));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
