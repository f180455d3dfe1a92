using System.Globalization;
using Gateway.EventStore;

namespace Gateway.EventStore.Tests;

/// <summary>
/// The crash-test child: <c>dotnet Gateway.EventStore.Tests.dll crash-writer DB WRITERS</c> appends events from
/// WRITERS concurrent loops forever and prints "ok ID" after each append returned Ok (i.e. is durable). The test
/// SIGKILLs it. (The test host never calls Main; it only runs when the assembly is launched directly.)
/// Also the throughput measurement in docs/event-store.md: <c>dotnet Gateway.EventStore.Tests.dll bench DIR [seconds] [payloadBytes]</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "bench")
            return await Bench.RunAsync(args[1], args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 3, args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 256);
        if (args.Length < 3 || args[0] != "crash-writer")
            return 2;
        var store = SqliteEventStore.Open(new SqliteEventStoreOptions { Path = args[1] });
        int writers = int.Parse(args[2], CultureInfo.InvariantCulture);
        var stdout = Console.Out;
        var gate = new Lock();
        var payload = new byte[512];
        var tasks = new Task[writers];
        for (int w = 0; w < writers; w++)
        {
            int writer = w;
            tasks[w] = Task.Run(async () =>
            {
                for (long i = 0; ; i++)
                {
                    var result = await store.AppendAsync(new EventRecord($"w{writer}-{i}", "echo", "$LATEST", payload, null, 1000 + i, 0, 0));
                    if (!result.IsOk)
                        return;
                    lock (gate)
                    {
                        stdout.WriteLine("ok " + result.Value.Value.ToString(CultureInfo.InvariantCulture));
                        stdout.Flush();
                    }
                }
            });
        }
        await Task.WhenAll(tasks);
        return 1;
    }
}
