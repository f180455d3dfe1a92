using System.Text.Json;
using Gateway.Async;
using Gateway.Async.Destinations;
using Gateway.UnitTests.Support;
using static Gateway.UnitTests.Async.Destinations.Outcomes;

namespace Gateway.UnitTests.Async.Destinations;

public class JsonLinesDeliveryTests
{
    private static readonly Func<string, string?, ReadOnlyMemory<byte>, CancellationToken, ValueTask<bool>> NoFunctions =
        (_, _, _, _) => ValueTask.FromResult(false);

    [Theory]
    [InlineData("arn:aws:sqs:us-east-2:123456789012:failed-orders", "destinations/sqs/failed-orders.jsonl")]
    [InlineData("arn:aws:sns:us-east-2:123456789012:alerts", "destinations/sns/alerts.jsonl")]
    [InlineData("arn:aws:events:us-east-2:123456789012:event-bus/default", "destinations/events/default.jsonl")]
    [InlineData("arn:aws:s3:::failures", "destinations/s3/failures.jsonl")]
    public async Task Service_ARNs_append_a_line_under_the_data_directory(string destination, string file)
    {
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, new ImmediateTimeProvider());

        Assert.True(await delivery.DeliverAsync(destination, Success(), CancellationToken.None).WithTimeout());
        Assert.True(await delivery.DeliverAsync(destination, RetriesExhausted(), CancellationToken.None).WithTimeout());

        var lines = File.ReadAllLines(Path.Combine(data.Path, file));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"condition\":\"Success\"", lines[0]);
        Assert.Contains("\"condition\":\"RetriesExhausted\"", lines[1]);
        Assert.Equal(2, delivery.Delivered);
    }

    [Fact]
    public async Task A_file_URL_appends_to_one_file_per_function()
    {
        using var data = new TempFolder();
        using var folder = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, new ImmediateTimeProvider());

        Assert.True(await delivery.DeliverAsync(new Uri(folder.Path).AbsoluteUri, Success(), CancellationToken.None).WithTimeout());
        Assert.True(await delivery.DeadLetterAsync("file://" + folder.Path, RetriesExhausted(), CancellationToken.None).WithTimeout());

        var lines = File.ReadAllLines(Path.Combine(folder.Path, "my-function.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"version\":\"1.0\",", lines[0]);
        Assert.StartsWith("{\"body\":{\"ORDER_IDS\":", lines[1]);
        Assert.Equal(1, delivery.DeadLettered);
    }

    [Fact]
    public async Task A_function_name_that_is_not_a_file_name_is_refused_for_folders()
    {
        using var data = new TempFolder();
        var time = new ImmediateTimeProvider();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time);

        Assert.False(await delivery.DeliverAsync("file://" + data.Path, Success() with { FunctionName = "../escape" }, CancellationToken.None).WithTimeout());
        Assert.Empty(time.Delays);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(data.Path)!, "escape.jsonl"));
    }

    [Fact]
    public async Task Concurrent_appenders_never_interleave_or_lose_a_line()
    {
        using var data = new TempFolder();
        // Two façades (two sets of locks, as two gateways on one folder would have): only O_APPEND keeps them apart.
        using var first = new DestinationDelivery(data.Path, NoFunctions, new ImmediateTimeProvider());
        using var second = new DestinationDelivery(data.Path, NoFunctions, new ImmediateTimeProvider());
        const string queue = "arn:aws:sqs:us-east-1:000000000000:shared";
        const int writers = 8;
        const int perWriter = 25;

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var delivery = w % 2 == 0 ? first : second;
            for (int i = 0; i < perWriter; i++)
            {
                // Sizes from a few bytes to ~300 KB, so some lines take many pages (and several kernel copies).
                var pad = new string((char)('a' + w), (w * 7919 + i * 104729) % 300_000);
                var outcome = Success(request: $$"""{"writer":{{w}},"i":{{i}},"pad":"{{pad}}"}""") with { RequestId = $"w{w}-{i}" };
                Assert.True(await delivery.DeliverAsync(queue, outcome, CancellationToken.None));
            }
        })).ToArray();
        await Task.WhenAll(tasks).WithTimeout();

        var lines = File.ReadAllLines(Path.Combine(data.Path, "destinations", "sqs", "shared.jsonl"));
        Assert.Equal(writers * perWriter, lines.Length);
        var ids = new HashSet<string>();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line); // every line is one whole record
            var root = doc.RootElement;
            string id = root.GetProperty("requestContext").GetProperty("requestId").GetString()!;
            Assert.True(ids.Add(id), $"{id} twice");
            var request = root.GetProperty("requestPayload");
            int w = request.GetProperty("writer").GetInt32();
            Assert.Equal($"w{w}-{request.GetProperty("i").GetInt32()}", id);
            Assert.All(request.GetProperty("pad").GetString()!, c => Assert.Equal((char)('a' + w), c));
        }
        Assert.Equal(writers * perWriter, first.Delivered + second.Delivered);
    }

    [Fact]
    public async Task A_folder_that_cannot_be_written_fails_after_the_retry_budget()
    {
        using var data = new TempFolder();
        var blocker = Path.Combine(data.Path, "not-a-folder");
        File.WriteAllText(blocker, "a file where the folder should be");
        var time = new ImmediateTimeProvider();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time, new DestinationRetryOptions { MaximumAttempts = 3 });

        Assert.False(await delivery.DeliverAsync("file://" + blocker + "/sub", Success(), CancellationToken.None).WithTimeout());
        Assert.Equal(2, time.Delays.Count);
        Assert.Equal(1, delivery.DeliveryFailures);
    }
}
