using System.Text;
using System.Text.Json;
using Gateway.Async.Destinations;
using Gateway.UnitTests.Support;
using static Gateway.UnitTests.Async.Destinations.Outcomes;

namespace Gateway.UnitTests.Async.Destinations;

public class DestinationDeliveryTests
{
    private static readonly Func<string, string?, ReadOnlyMemory<byte>, CancellationToken, ValueTask<bool>> NoFunctions =
        (_, _, _, _) => ValueTask.FromResult(false);

    [Fact]
    public async Task An_http_destination_that_fails_is_retried_with_backoff_until_it_accepts()
    {
        await using var server = new MiniHttpServer(0, 500, 503, 200);
        var time = new ImmediateTimeProvider();
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time);

        Assert.True(await delivery.DeliverAsync(server.Url.AbsoluteUri, RetriesExhausted(), CancellationToken.None).WithTimeout());

        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.StartsWith("POST /records HTTP/1.1\r\n", requests[0].Head);
        Assert.Contains("Content-Type: application/json", requests[0].Head);
        using var record = JsonDocument.Parse(requests[0].Body);
        Assert.Equal("RetriesExhausted", record.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body)); // every attempt sends the same record
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], time.Delays);
        Assert.Equal(1, delivery.Delivered);
        Assert.Equal(0, delivery.DeliveryFailures);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_and_delivered_once_the_server_is_up()
    {
        int port = MiniHttpServer.FreePort();
        MiniHttpServer? server = null;
        var time = new ImmediateTimeProvider { OnDelay = n => server ??= new MiniHttpServer(port, 200) };
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time);
        try
        {
            Assert.True(await delivery.DeliverAsync($"http://127.0.0.1:{port}/records", Success(), CancellationToken.None).WithTimeout());
            Assert.Single(time.Delays);               // attempt 1 refused, attempt 2 accepted
            Assert.Single(server!.Requests);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_destination_that_never_accepts_fails_after_the_retry_budget()
    {
        await using var server = new MiniHttpServer(0, 500);
        var time = new ImmediateTimeProvider();
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time);

        Assert.False(await delivery.DeliverAsync(server.Url.AbsoluteUri, Success(), CancellationToken.None).WithTimeout());

        Assert.Equal(DestinationRetryOptions.Default.MaximumAttempts, server.Requests.Count);
        // 1 s doubling, capped at 60 s: about four minutes in all.
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60 }.Select(s => TimeSpan.FromSeconds(s)), time.Delays);
        Assert.Equal(1, delivery.DeliveryFailures);
    }

    [Fact]
    public async Task A_dead_letter_to_an_unreachable_url_counts_as_a_dead_letter_error()
    {
        var time = new ImmediateTimeProvider();
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time, new DestinationRetryOptions { MaximumAttempts = 2 });

        Assert.False(await delivery.DeadLetterAsync($"http://127.0.0.1:{MiniHttpServer.FreePort()}/", RetriesExhausted(), CancellationToken.None).WithTimeout());
        Assert.Equal(1, delivery.DeadLetterErrors);
        Assert.Equal(0, delivery.DeliveryFailures);
    }

    [Fact]
    public async Task A_function_destination_is_retried_until_the_invoke_is_accepted()
    {
        var calls = new List<(string Function, string Payload)>();
        var answers = new Queue<bool>([false, false, true]);
        ValueTask<bool> Invoke(string function, string? qualifier, ReadOnlyMemory<byte> payload, CancellationToken ct)
        {
            calls.Add((function, Encoding.UTF8.GetString(payload.Span)));
            return ValueTask.FromResult(answers.Dequeue());
        }
        var time = new ImmediateTimeProvider();
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, Invoke, time);

        Assert.True(await delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit", Success(), CancellationToken.None).WithTimeout());

        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal("audit", c.Function));
        Assert.All(calls, c => Assert.DoesNotContain('\n', c.Payload)); // the record alone, no JSON-lines newline
        using var record = JsonDocument.Parse(calls[0].Payload);
        Assert.Equal("Success", record.RootElement.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], time.Delays);
    }

    [Fact]
    public async Task A_qualified_function_destination_invokes_that_version_or_alias()
    {
        var calls = new List<(string Function, string? Qualifier)>();
        ValueTask<bool> Invoke(string function, string? qualifier, ReadOnlyMemory<byte> payload, CancellationToken ct)
        {
            calls.Add((function, qualifier));
            return ValueTask.FromResult(true);
        }
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, Invoke, new ImmediateTimeProvider());

        Assert.True(await delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit:prod", Success(), CancellationToken.None).WithTimeout());
        Assert.True(await delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit:7", Success(), CancellationToken.None).WithTimeout());
        Assert.True(await delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit", Success(), CancellationToken.None).WithTimeout());

        Assert.Equal([("audit", "prod"), ("audit", "7"), ("audit", null)], calls);
    }

    [Fact]
    public async Task A_function_sink_that_throws_is_a_failed_attempt()
    {
        int calls = 0;
        ValueTask<bool> Invoke(string function, string? qualifier, ReadOnlyMemory<byte> payload, CancellationToken ct) =>
            ++calls == 1 ? throw new IOException("disk full") : ValueTask.FromResult(true);
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, Invoke, new ImmediateTimeProvider());

        Assert.True(await delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit", Success(), CancellationToken.None).WithTimeout());
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_destination_that_cannot_be_parsed_fails_at_once()
    {
        var time = new ImmediateTimeProvider();
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, NoFunctions, time);

        Assert.False(await delivery.DeliverAsync("arn:aws:dynamodb:us-east-1:000000000000:table/t", Success(), CancellationToken.None).WithTimeout());
        Assert.False(await delivery.DeadLetterAsync("nonsense", RetriesExhausted(), CancellationToken.None).WithTimeout());
        Assert.Empty(time.Delays);
        Assert.Equal(1, delivery.DeliveryFailures);
        Assert.Equal(1, delivery.DeadLetterErrors);
    }

    [Fact]
    public async Task Stopping_cancels_the_retries_without_reporting_an_outcome()
    {
        using var stopping = new CancellationTokenSource();
        ValueTask<bool> Invoke(string function, string? qualifier, ReadOnlyMemory<byte> payload, CancellationToken ct)
        {
            stopping.Cancel(); // the gateway stops while the destination is down
            return ValueTask.FromResult(false);
        }
        using var data = new TempFolder();
        using var delivery = new DestinationDelivery(data.Path, Invoke, new ImmediateTimeProvider());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => delivery.DeliverAsync("arn:aws:lambda:us-east-1:000000000000:function:audit", Success(), stopping.Token).WithTimeout());
        Assert.Equal(0, delivery.DeliveryFailures);
        Assert.Equal(0, delivery.Delivered);
    }
}
