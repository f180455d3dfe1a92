using System.Net.Sockets;

namespace Gateway.Tests;

/// <summary>
/// Runtime API heads past 64 KB (up to 1 MiB + 4 KB, as AWS's Go server takes them) are buffered by at most 16
/// connections at once, gateway-wide: a function opening more connections that trickle large heads cannot make the
/// gateway hold more (the 17th is refused with 431), and a slot comes back when its connection goes.
/// </summary>
public sealed class RuntimeApiLargeHeadTests
{
    [Fact]
    public async Task The_seventeenth_connection_with_a_head_past_64_KB_is_refused_and_a_freed_slot_is_taken_again()
    {
        // The environment's TCP Runtime API endpoint, as the function sees it; the sockets below are a runtime's own.
        await using var gateway = await GatewayProcess.StartAsync([], "--sandbox", "none");
        await ShellFunction.CreateAsync(gateway, "heads");
        var api = (await ShellFunction.RunAsync(gateway, "heads", "echo $AWS_LAMBDA_RUNTIME_API")).Trim().Split(':');
        var head = Encoding.ASCII.GetBytes("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 70 * 1024));

        var holders = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 16; i++)
            {
                holders.Add(await SendUnfinishedAsync(api, head));
            }
            // Each holder's head is buffered (no answer: it waits for the rest); one more is refused.
            using (var extra = await SendUnfinishedAsync(api, head))
            {
                Assert.StartsWith("HTTP/1.1 431 ", await ReadAnswerAsync(extra));
            }
            foreach (var holder in holders)
            {
                Assert.Equal(0, holder.Available);
            }

            holders[0].Dispose(); // its slot is released when the gateway sees the connection end
            holders.RemoveAt(0);
            await Poll.UntilAsync(async () =>
            {
                using var again = await SendUnfinishedAsync(api, head);
                await Task.Delay(200);
                return again.Available == 0 && again.Connected;
            }, "a freed slot taken by a new connection");
        }
        finally
        {
            foreach (var holder in holders)
            {
                holder.Dispose();
            }
        }
    }

    private static async Task<TcpClient> SendUnfinishedAsync(string[] api, byte[] head)
    {
        var client = new TcpClient();
        await client.ConnectAsync(api[0], int.Parse(api[1], System.Globalization.CultureInfo.InvariantCulture)).WithTimeout(10_000);
        await client.GetStream().WriteAsync(head).AsTask().WithTimeout(10_000);
        await Task.Delay(50); // the gateway reads it before the next connection comes
        return client;
    }

    private static async Task<string> ReadAnswerAsync(TcpClient client)
    {
        var buffer = new byte[4096];
        int n = await client.GetStream().ReadAsync(buffer).AsTask().WithTimeout(10_000);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
