using System.Net.Sockets;
using Gateway.RuntimeApi;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.RuntimeApi;

/// <summary>
/// The Runtime API's own event loop (<see cref="RuntimeEventLoop"/>, <see cref="EpollTransport"/>) on real connected Unix
/// sockets: bytes that arrive while nobody waits are not lost (edge-triggered), a send larger than the socket's buffer
/// waits for room and arrives whole and in order, and a hang-up or a shutdown from another thread ends the waits.
/// </summary>
public sealed class EpollTransportTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "epoll-" + Guid.NewGuid().ToString("N") + ".sock");
    private readonly Socket _listener;

    public EpollTransportTests()
    {
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(4);
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_path);
    }

    private async Task<(EpollTransport Transport, Socket Peer)> ConnectAsync()
    {
        var peer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var accepting = _listener.AcceptAsync();
        await peer.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        var accepted = await accepting;
        return (new EpollTransport(accepted, RuntimeEventLoop.Shared), peer);
    }

    [Fact]
    public async Task Bytes_sent_before_and_after_the_wait_are_received()
    {
        var (transport, peer) = await ConnectAsync();
        using var _ = peer;
        try
        {
            peer.Send("early"u8); // arrives before anybody waits: the registration's own edge must say so
            await transport.WaitReadableAsync().AsTask().WithTimeout();
            var buffer = new byte[64];
            int n = await transport.ReceiveAsync(buffer).AsTask().WithTimeout();
            Assert.Equal("early", System.Text.Encoding.ASCII.GetString(buffer, 0, n));

            var waiting = transport.ReceiveAsync(buffer).AsTask(); // nothing there: waits for the next edge
            await Task.Delay(50);
            Assert.False(waiting.IsCompleted);
            peer.Send("late"u8);
            n = await waiting.WithTimeout();
            Assert.Equal("late", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        finally
        {
            transport.Dispose();
        }
    }

    [Fact]
    public async Task A_read_that_fills_its_buffer_leaves_the_rest_readable()
    {
        var (transport, peer) = await ConnectAsync();
        using var _ = peer;
        try
        {
            peer.Send(new byte[1000]);
            var buffer = new byte[100];
            long total = 0;
            while (total < 1000)
            {
                await transport.WaitReadableAsync().AsTask().WithTimeout(); // no new edge comes: the state must stay ready
                total += await transport.ReceiveAsync(buffer).AsTask().WithTimeout();
            }
            Assert.Equal(1000, total);
        }
        finally
        {
            transport.Dispose();
        }
    }

    [Fact]
    public async Task A_gather_send_larger_than_the_socket_buffer_arrives_whole_and_in_order()
    {
        var (transport, peer) = await ConnectAsync();
        using var _ = peer;
        try
        {
            var pieces = new List<ArraySegment<byte>>();
            int value = 0;
            foreach (int size in new[] { 17, 3_000_000, 1, 5_000_000, 100 })
            {
                var piece = new byte[size + 10];
                for (int i = 0; i < size; i++)
                {
                    piece[5 + i] = (byte)(value++ % 251);
                }
                pieces.Add(new ArraySegment<byte>(piece, 5, size));
            }
            var sending = transport.SendAsync(pieces).AsTask();
            Assert.False(sending.IsCompleted); // 8 MB cannot fit in a Unix socket's buffer: the send waits for room

            var received = new byte[value];
            int at = 0;
            while (at < received.Length)
            {
                int n = await peer.ReceiveAsync(received.AsMemory(at, Math.Min(65536, received.Length - at)));
                Assert.NotEqual(0, n);
                at += n;
            }
            await sending.WithTimeout();
            for (int i = 0; i < received.Length; i++)
            {
                if (received[i] != (byte)(i % 251))
                {
                    Assert.Fail($"byte {i} is {received[i]}, not {(byte)(i % 251)}");
                }
            }

            await transport.SendAsync("after"u8.ToArray()).AsTask().WithTimeout(); // the loop no longer waits for output
            var tail = new byte[5];
            Assert.Equal(5, await peer.ReceiveAsync(tail));
            Assert.Equal("after"u8.ToArray(), tail);
        }
        finally
        {
            transport.Dispose();
        }
    }

    [Fact]
    public async Task The_peer_hanging_up_ends_a_pending_receive_with_end_of_stream()
    {
        var (transport, peer) = await ConnectAsync();
        try
        {
            var waiting = transport.ReceiveAsync(new byte[16]).AsTask();
            peer.Dispose();
            Assert.Equal(0, await waiting.WithTimeout());
            await Assert.ThrowsAsync<SocketException>(async () =>
            {
                for (int i = 0; i < 100; i++)
                {
                    await transport.SendAsync(new byte[100_000]); // EPIPE at the latest once the peer's end is gone
                }
            });
        }
        finally
        {
            transport.Dispose();
        }
    }

    [Fact]
    public async Task Shutdown_from_another_thread_ends_a_pending_wait()
    {
        var (transport, peer) = await ConnectAsync();
        using var _ = peer;
        var waiting = transport.WaitReadableAsync().AsTask();
        await Task.Run(transport.Shutdown);
        await waiting.WithTimeout();
        Assert.Equal(0, await transport.ReceiveAsync(new byte[16]).AsTask().WithTimeout());
        transport.Dispose();
        transport.Dispose(); // idempotent
    }

    [Fact]
    public async Task Many_connections_share_the_loop_and_closed_slots_are_reused()
    {
        for (int round = 0; round < 3; round++)
        {
            var pairs = new List<(EpollTransport Transport, Socket Peer)>();
            for (int i = 0; i < 40; i++)
            {
                pairs.Add(await ConnectAsync());
            }
            var reads = pairs.Select(p => p.Transport.ReceiveAsync(new byte[8]).AsTask()).ToArray();
            for (int i = 0; i < pairs.Count; i++)
            {
                pairs[i].Peer.Send([(byte)i]);
            }
            var counts = await Task.WhenAll(reads).WithTimeout();
            Assert.All(counts, n => Assert.Equal(1, n));
            foreach (var (transport, peer) in pairs)
            {
                transport.Dispose();
                peer.Dispose();
            }
        }
    }
}
