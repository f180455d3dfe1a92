using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Tests.Cluster;

/// <summary>
/// A real redis-server for end-to-end cluster tests: a free loopback port, its own folder, AOF appendfsync always
/// (as scripts/redis.sh runs it). <see cref="KillAsync"/> (SIGKILL) and <see cref="StartAsync"/> restart it on the
/// same port and folder, so a test can prove what survives a Redis restart. The same shape as
/// tests/Gateway.Cluster.Tests/RedisServer.cs (the library's tests), kept here so this project needs no reference.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = GatewayProcess.FreePort();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("gateway-redis-").FullName;

    public string Url => $"redis://127.0.0.1:{Port}";

    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--dir", Directory, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes" })
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
        }, $"redis-server to listen on {Port}", 10_000);
    }

    /// <summary>SIGKILL: what an AOF-always Redis acknowledged is on disk and comes back with <see cref="StartAsync"/>.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WithTimeout(10_000);
        }
        _process?.Dispose();
        _process = null;
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
}
