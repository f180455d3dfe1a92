using System.Net.Sockets;

namespace Gateway.Tests;

/// <summary>
/// Runtime API heads past 64 KB (up to 1 MiB + 4 KB, as AWS's Go server takes them) are buffered by at most 2 of an
/// environment's connections at once: a third is refused with 431, a slot comes back when its head completes, and
/// another function's environment is not affected by one that holds its own slots. Each head is a GET /ping with a
/// large header, left unfinished; finished, it is answered 200 "pong" (a refused one would have been a 431).
/// </summary>
public sealed class RuntimeApiLargeHeadTests
{
    private static readonly byte[] UnfinishedHead = Encoding.ASCII.GetBytes("GET /2018-06-01/ping HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 70 * 1024));

    [Fact]
    public async Task A_third_large_head_of_one_environment_is_refused_and_other_functions_are_not_affected()
    {
        await using var gateway = await GatewayProcess.StartAsync([], "--sandbox", "none");
        await ShellFunction.CreateAsync(gateway, "holder");
        await ShellFunction.CreateAsync(gateway, "other");
        var holderApi = await RuntimeApiAsync(gateway, "holder");
        var otherApi = await RuntimeApiAsync(gateway, "other");

        using var first = await SendUnfinishedAsync(holderApi);
        using var second = await SendUnfinishedAsync(holderApi);
        using (var third = await SendUnfinishedAsync(holderApi))
        {
            Assert.StartsWith("HTTP/1.1 431 ", await ReadAnswerAsync(third));
        }
        // Another function's environment takes a large head while this one's slots are held.
        using (var elsewhere = await SendUnfinishedAsync(otherApi))
        {
            Assert.StartsWith("HTTP/1.1 200 ", await FinishAsync(elsewhere));
        }
        // The two holders were buffered, not refused: finished, each is answered.
        Assert.StartsWith("HTTP/1.1 200 ", await FinishAsync(first));
        // The first's slot came back with its completed head: a new large head is taken again.
        using var again = await SendUnfinishedAsync(holderApi);
        Assert.StartsWith("HTTP/1.1 200 ", await FinishAsync(again));
        Assert.StartsWith("HTTP/1.1 200 ", await FinishAsync(second));
    }

    /// <summary>The environment's TCP Runtime API endpoint, as the function sees it; the sockets below are a runtime's own.</summary>
    private static async Task<string[]> RuntimeApiAsync(GatewayProcess gateway, string function) =>
        (await ShellFunction.RunAsync(gateway, function, "echo $AWS_LAMBDA_RUNTIME_API")).Trim().Split(':');

    private static async Task<TcpClient> SendUnfinishedAsync(string[] api)
    {
        var client = new TcpClient();
        await client.ConnectAsync(api[0], int.Parse(api[1], System.Globalization.CultureInfo.InvariantCulture)).WithTimeout(10_000);
        await client.GetStream().WriteAsync(UnfinishedHead).AsTask().WithTimeout(10_000);
        await Task.Delay(300); // the gateway reads it (and claims its slot) before the next connection comes
        return client;
    }

    private static async Task<string> FinishAsync(TcpClient client)
    {
        await client.GetStream().WriteAsync("\r\n\r\n"u8.ToArray()).AsTask().WithTimeout(10_000);
        return await ReadAnswerAsync(client);
    }

    private static async Task<string> ReadAnswerAsync(TcpClient client)
    {
        var buffer = new byte[4096];
        int n = await client.GetStream().ReadAsync(buffer).AsTask().WithTimeout(10_000);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
