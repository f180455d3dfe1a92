using System.Diagnostics;
using System.Globalization;

namespace Gateway.EventStore.Tests;

/// <summary>Appends/s with 1, 32 and 128 concurrent writers (each awaiting its durable append before the next).</summary>
internal static class Bench
{
    public static async Task<int> RunAsync(string dir, double seconds, int payloadBytes)
    {
        Directory.CreateDirectory(dir);
        var payload = new byte[payloadBytes];
        foreach (int writers in (int[])[1, 32, 128])
        {
            string path = Path.Combine(dir, $"bench-{writers}.db");
            foreach (var f in Directory.GetFiles(dir, $"bench-{writers}.db*"))
                File.Delete(f);
            await using var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = path });
            long count = 0, commits0 = store.Commits;
            var end = TimeSpan.FromSeconds(seconds);
            var latencies = new List<double>[writers];
            var sw = Stopwatch.StartNew();
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var mine = latencies[w] = [];
                while (sw.Elapsed < end)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var r = await store.AppendAsync(new EventRecord("req", "echo", "$LATEST", payload, null, 0, 0, 0));
                    if (!r.IsOk)
                        throw new InvalidOperationException(r.Error);
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    Interlocked.Increment(ref count);
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            double elapsed = sw.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            long commits = store.Commits - commits0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"writers={writers,3} appends/s={count / elapsed,8:F0} commits(fsyncs)/s={commits / elapsed,6:F0} appends/commit={(double)count / commits,5:F1} p50={all[all.Length / 2]:F2}ms p99={all[(int)(all.Length * 0.99)]:F2}ms"));
        }
        return 0;
    }
}
