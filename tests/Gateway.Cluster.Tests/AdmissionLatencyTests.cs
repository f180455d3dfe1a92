using System.Diagnostics;
using Gateway.Cluster.Admission;
using Xunit.Abstractions;

namespace Gateway.Cluster.Tests;

/// <summary>
/// The latency cluster mode adds to a sync invoke: one admission script round trip (awaited) and one release (sent
/// without waiting), on loopback, beside a PING for the bare round trip. Prints percentiles; asserts nothing about
/// time (the box is shared), only that every decision was an admission. docs/performance.md has the numbers.
/// </summary>
public sealed class AdmissionLatencyTests(RedisServer redis, ITestOutputHelper output) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Admission_round_trip_on_loopback()
    {
        await using var connection = await ClusterTestKit.ConnectAsync(redis, "latency");
        await ClusterTestKit.ResetAsync(connection);
        var client = new ClusterAdmissionClient(connection);
        var limits = new AdmissionLimits(1000, 900, -1, 1000, 1000, 1000, false);
        const int Warmup = 500, Samples = 5000;
        var admit = new double[Samples];
        var ping = new double[Samples];
        for (int i = -Warmup; i < Samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var reply = await client.AdmitAsync("latency", limits, chargeRequest: true, needsNewEnvironment: false);
            long admitted = Stopwatch.GetTimestamp();
            client.Release("latency", reply.FromUnreservedPool);
            Assert.True(reply.IsAdmitted);
            long pingStart = Stopwatch.GetTimestamp();
            await connection.Database.PingAsync();
            long pinged = Stopwatch.GetTimestamp();
            if (i >= 0)
            {
                admit[i] = Stopwatch.GetElapsedTime(start, admitted).TotalMicroseconds;
                ping[i] = Stopwatch.GetElapsedTime(pingStart, pinged).TotalMicroseconds;
            }
        }
        Array.Sort(admit);
        Array.Sort(ping);
        output.WriteLine($"admission script round trip (µs): p50 {admit[Samples / 2]:0} p90 {admit[Samples * 9 / 10]:0} p99 {admit[Samples * 99 / 100]:0}");
        output.WriteLine($"PING round trip (µs):             p50 {ping[Samples / 2]:0} p90 {ping[Samples * 9 / 10]:0} p99 {ping[Samples * 99 / 100]:0}");
        output.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"[latency] admit p50 {admit[Samples / 2]:0} µs p90 {admit[Samples * 9 / 10]:0} p99 {admit[Samples * 99 / 100]:0}; ping p50 {ping[Samples / 2]:0} µs; load {File.ReadAllText("/proc/loadavg").Trim()}");
        // Redis's own CPU per script (a count of microseconds inside the server, not disturbed by the client's scheduling).
        var info = new ProcessStartInfo("redis-cli", ["-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "INFO", "commandstats"]) { RedirectStandardOutput = true };
        using var cli = Process.Start(info)!;
        var stats = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync();
        foreach (var line in stats.Split('\n').Where(l => l.StartsWith("cmdstat_eval", StringComparison.Ordinal) || l.StartsWith("cmdstat_ping", StringComparison.Ordinal)))
        {
            output.WriteLine(line.Trim());
            Console.WriteLine("[latency] " + line.Trim());
        }
        Assert.True(await ClusterTestKit.EventuallyAsync(async () => await client.HeldAsync("account") == 0, TimeSpan.FromSeconds(10)));
    }
}
