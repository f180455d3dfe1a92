using System.Net.Sockets;

namespace Gateway.Tests;

/// <summary>Oversized bodies are refused while they stream: the gateway never holds them whole.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class PayloadLimitTests(SharedGateway shared)
{
    private const int HundredMb = 100 * 1024 * 1024;

    private GatewayProcess Gateway => shared.Gateway;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_100_MB_body_is_refused_without_growing_the_gateways_memory(bool withContentLength)
    {
        long rssBefore = Processes.RssKb(Gateway.Pid);

        // A raw client that keeps sending until the server answers or hangs up.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port).WithTimeout(10_000);
        using var stream = new NetworkStream(socket);
        var head = "POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\n" +
            (withContentLength ? $"Content-Length: {HundredMb}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        var chunkHead = Encoding.ASCII.GetBytes($"{chunk.Length:X}\r\n");
        long sent = 0;
        var reading = StatusLine.ReadAsync(stream);
        try
        {
            while (sent < HundredMb && !reading.IsCompleted)
            {
                if (!withContentLength)
                {
                    await stream.WriteAsync(chunkHead);
                }
                await stream.WriteAsync(chunk);
                if (!withContentLength)
                {
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }
                sent += chunk.Length;
            }
        }
        catch (IOException)
        {
            // The gateway answered 413 and closed the connection mid-upload: exactly what should happen.
        }

        var statusLine = await reading.WithTimeout(30_000);
        Assert.StartsWith("HTTP/1.1 413", statusLine);
        Assert.True(sent < HundredMb, $"the gateway read all {sent} bytes before refusing");
        long growthKb = Processes.RssKb(Gateway.Pid) - rssBefore;
        Assert.True(growthKb < 48 * 1024, $"gateway RSS grew by {growthKb} kB while refusing a 100 MB body");

        using var after = await Gateway.InvokeAsync("echo", "\"still serving\"");
        Assert.Equal("\"still serving\"", await after.Content.ReadAsStringAsync());
    }
}
