using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Cluster.Tests;

/// <summary>
/// A real redis-server on a free loopback port, in its own folder, with AOF appendfsync always (as scripts/redis.sh
/// runs it). Use as an xunit class fixture. <see cref="KillAsync"/>/<see cref="StartAsync"/> restart it on the same
/// port and folder, so tests can prove what survives a Redis restart; <see cref="CliAsync"/> plays membership (SET/DEL
/// lease keys). Also linked into tests/Gateway.Tests, whose end-to-end tests start one per test with
/// <see cref="StartNewAsync"/> and <c>await using</c>.
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("gateway-redis-").FullName;

    public string Url => $"redis://127.0.0.1:{Port}";

    public async Task InitializeAsync() => await StartAsync();

    public static async Task<RedisServer> StartNewAsync()
    {
        var redis = new RedisServer();
        await redis.StartAsync();
        return redis;
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    /// <summary>Runs one redis-cli command against this server and returns its output.</summary>
    public async Task<string> CliAsync(params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-p", Port.ToString() }.Concat(command))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return output.Trim();
    }

    public async Task DisposeAsync()
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

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory,
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (scripts/install-deps.sh installs it)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    /// <summary>SIGKILL: what an AOF-always Redis has acknowledged is on disk and comes back with <see cref="StartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
