using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Cluster;

/// <summary>
/// A real redis-server for the Event queue's end-to-end tests (AOF appendfsync always, a free port, its own folder),
/// with <see cref="KillAsync"/>/<see cref="StartAsync"/> on the same port and data, and <see cref="CliAsync"/> to play
/// membership (SET/DEL lease keys). A small twin of tests/Gateway.Cluster.Tests/RedisServer.cs; the shared fixture
/// (cprove's ClusterNodes) may replace it when the branches merge.
/// </summary>
public sealed class QueueRedis : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("gateway-queue-redis-").FullName;

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<QueueRedis> StartNewAsync()
    {
        var redis = new QueueRedis();
        await redis.StartAsync();
        return redis;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (scripts/install-deps.sh installs it)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, $"redis-server to listen on {Port}");
    }

    /// <summary>SIGKILL; what AOF (appendfsync always) acknowledged comes back with <see cref="StartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process = null;
    }

    /// <summary>Runs one redis-cli command against this server and returns its output.</summary>
    public async Task<string> CliAsync(params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(command))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().WithTimeout(20_000);
        await process.WaitForExitAsync().WithTimeout(20_000);
        return output.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
