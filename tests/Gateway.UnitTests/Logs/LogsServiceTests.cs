using System.Text;
using Gateway.Functions;
using Gateway.Logs;
using Gateway.Logs.Api;
using Gateway.Native;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Logs;

/// <summary>
/// The Logs API's operations over real stream files and their timestamp indexes, written by <see cref="EnvironmentLog"/>
/// on a manual clock: each line's timestamp, time ranges, and AWS's pagination tokens.
/// </summary>
public sealed class LogsServiceTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gateway-logs-" + Guid.NewGuid().ToString("N"));
    private readonly List<(OutputChannel Output, EnvironmentLog Log)> _streams = [];
    private readonly LogsService _service;

    public LogsServiceTests()
    {
        _service = new LogsService(new LogCatalog(_root), FlushAll, new RetentionSettings(_root), "us-east-1", "000000000000");
    }

    public void Dispose()
    {
        foreach (var (output, log) in _streams)
        {
            output.CloseWriter();
            log.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }

    private void FlushAll()
    {
        foreach (var (_, log) in _streams)
        {
            log.Flush();
        }
    }

    private EnvironmentLog Open(string function, string stream, string? group = null)
    {
        var output = OutputChannel.Create();
        var file = Path.Combine(_root, function, stream.Replace('/', '-').Replace("[$LATEST]", "") + ".log");
        var log = new EnvironmentLog(output.Reader, file, function, console: null, group ?? "/aws/lambda/" + function, stream, FunctionLogging.Default, _clock);
        _streams.Add((output, log));
        return log;
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static void Write(EnvironmentLog log, string line) => log.WritePlatformLine(Encoding.UTF8.GetBytes(line));

    private T Ok<T>(Func<LogsRequest, (object, LogsError?)> operation, LogsRequest request)
    {
        var (response, error) = operation(request);
        Assert.Null(error);
        return (T)response;
    }

    private (object, LogsError?) Get(LogsRequest r) => (_service.GetLogEvents(r, out var e), e);
    private (object, LogsError?) Filter(LogsRequest r) => (_service.FilterLogEvents(r, out var e), e);
    private (object, LogsError?) Streams(LogsRequest r) => (_service.DescribeLogStreams(r, out var e), e);
    private (object, LogsError?) Groups(LogsRequest r) => (_service.DescribeLogGroups(r, out var e), e);

    [Fact]
    public void Each_line_has_the_time_it_was_written_and_a_burst_costs_one_index_record()
    {
        var log = Open("fn", "2026/01/01/[$LATEST]aaa");
        long t0 = Now;
        Write(log, "one");
        Write(log, "two"); // same millisecond
        _clock.AdvanceMilliseconds(5);
        Write(log, "three");
        FlushAll();

        var events = Ok<GetLogEventsResponse>(Get, new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "2026/01/01/[$LATEST]aaa", StartFromHead = true }).Events;
        Assert.Equal(["one\n", "two\n", "three\n"], events.Select(e => e.Message));
        Assert.Equal([t0, t0, t0 + 5], events.Select(e => e.Timestamp));
        Assert.Equal(events.Select(e => e.Timestamp), events.Select(e => e.IngestionTime));
        var index = Directory.GetFiles(Path.Combine(_root, "fn", StreamIndex.Directory)).Single();
        // Two records (the writer's room after them is zeros: MappedStreamIndex).
        var header = StreamIndex.Header("/aws/lambda/fn", "2026/01/01/[$LATEST]aaa");
        var bytes = File.ReadAllBytes(index);
        Assert.Equal(2, StreamIndex.ReadRecords(bytes.AsSpan(header.Length)).Count);
    }

    [Fact]
    public void GetLogEvents_pages_forward_and_backward_with_AWSs_tokens()
    {
        var log = Open("fn", "s1");
        for (int i = 0; i < 5; i++)
        {
            Write(log, "line " + i);
            _clock.AdvanceMilliseconds(1);
        }
        var request = new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "s1", Limit = 2 };

        // Without a token or startFromHead: the newest events, oldest first.
        var last = Ok<GetLogEventsResponse>(Get, request);
        Assert.Equal(["line 3\n", "line 4\n"], last.Events.Select(e => e.Message));
        // At the end, forward gives nothing and the same token back.
        var end = Ok<GetLogEventsResponse>(Get, new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "s1", Limit = 2, NextToken = last.NextForwardToken });
        Assert.Empty(end.Events);
        Assert.Equal(last.NextForwardToken, end.NextForwardToken);
        // Backward: the two before, then the first, then nothing with the same backward token.
        var before = Ok<GetLogEventsResponse>(Get, WithToken(last.NextBackwardToken));
        Assert.Equal(["line 1\n", "line 2\n"], before.Events.Select(e => e.Message));
        var first = Ok<GetLogEventsResponse>(Get, WithToken(before.NextBackwardToken));
        Assert.Equal(["line 0\n"], first.Events.Select(e => e.Message));
        var none = Ok<GetLogEventsResponse>(Get, WithToken(first.NextBackwardToken));
        Assert.Empty(none.Events);
        Assert.Equal(first.NextBackwardToken, none.NextBackwardToken);

        // A line written later is found from the old forward token.
        Write(log, "line 5");
        var more = Ok<GetLogEventsResponse>(Get, WithToken(last.NextForwardToken));
        Assert.Equal(["line 5\n"], more.Events.Select(e => e.Message));
    }

    private static LogsRequest WithToken(string? token) => new() { LogGroupName = "/aws/lambda/fn", LogStreamName = "s1", Limit = 2, NextToken = token };

    [Fact]
    public void GetLogEvents_time_range_is_start_inclusive_end_exclusive()
    {
        var log = Open("fn", "s1");
        long t0 = Now;
        for (int i = 0; i < 4; i++)
        {
            Write(log, "at " + i);
            _clock.AdvanceMilliseconds(10);
        }
        var events = Ok<GetLogEventsResponse>(Get, new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "s1", StartFromHead = true, StartTime = t0 + 10, EndTime = t0 + 30 }).Events;
        Assert.Equal(["at 1\n", "at 2\n"], events.Select(e => e.Message));
    }

    [Fact]
    public void FilterLogEvents_interleaves_streams_by_time_and_pages_with_nextToken()
    {
        var a = Open("fn", "a");
        var b = Open("fn", "b");
        long t0 = Now;
        Write(a, "a0 hit");
        _clock.AdvanceMilliseconds(1);
        Write(b, "b1 hit");
        _clock.AdvanceMilliseconds(1);
        Write(a, "a2 miss");
        _clock.AdvanceMilliseconds(1);
        Write(b, "b3 hit");

        var all = Ok<FilterLogEventsResponse>(Filter, new LogsRequest { LogGroupName = "/aws/lambda/fn", FilterPattern = "hit" });
        Assert.Equal(["a0 hit\n", "b1 hit\n", "b3 hit\n"], all.Events.Select(e => e.Message));
        Assert.Equal(["a", "b", "b"], all.Events.Select(e => e.LogStreamName));
        Assert.Null(all.NextToken);
        Assert.Empty(all.SearchedLogStreams); // "no longer supported … returns an empty list" since 2020

        var page1 = Ok<FilterLogEventsResponse>(Filter, new LogsRequest { LogGroupName = "/aws/lambda/fn", FilterPattern = "hit", Limit = 2 });
        Assert.Equal(2, page1.Events.Count);
        Assert.NotNull(page1.NextToken);
        var page2 = Ok<FilterLogEventsResponse>(Filter, new LogsRequest { LogGroupName = "/aws/lambda/fn", FilterPattern = "hit", Limit = 2, NextToken = page1.NextToken });
        Assert.Equal(["b3 hit\n"], page2.Events.Select(e => e.Message));
        Assert.Null(page2.NextToken);

        // startTime/endTime (both inclusive) and one stream by name.
        var ranged = Ok<FilterLogEventsResponse>(Filter, new LogsRequest { LogGroupName = "/aws/lambda/fn", StartTime = t0 + 1, EndTime = t0 + 2 });
        Assert.Equal(["b1 hit\n", "a2 miss\n"], ranged.Events.Select(e => e.Message));
        var named = Ok<FilterLogEventsResponse>(Filter, new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamNames = ["a"] });
        Assert.Equal(["a0 hit\n", "a2 miss\n"], named.Events.Select(e => e.Message));
    }

    [Fact]
    public void DescribeLogGroups_filters_by_identifiers_and_class_and_answers_as_AWS_recorded()
    {
        Write(Open("f1", "s1"), "x");
        Write(Open("f2", "s2"), "x");
        Write(Open("f3", "s3"), "x");

        var named = Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest
        {
            LogGroupIdentifiers = ["/aws/lambda/f1", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f3:*", "/aws/lambda/none"],
        });
        Assert.Equal(["/aws/lambda/f1", "/aws/lambda/f3"], named.LogGroups.Select(g => g.LogGroupName));
        Assert.Empty(Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { LogGroupClass = "INFREQUENT_ACCESS" }).LogGroups);
        Assert.Equal(3, Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { LogGroupClass = "STANDARD" }).LogGroups.Count);

        // LocalStack's AWS recordings: a prefix answers deletionProtectionEnabled false and storedBytes; a pattern
        // answers metricFilterCount, logGroupClass and logGroupArn but neither of those.
        var prefixed = Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { LogGroupNamePrefix = "/aws/lambda/f2" }).LogGroups.Single();
        Assert.Equal(false, prefixed.DeletionProtectionEnabled);
        Assert.NotNull(prefixed.StoredBytes);
        var patterned = Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { LogGroupNamePattern = "f2" }).LogGroups.Single();
        Assert.Equal((0, "STANDARD", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f2"), (patterned.MetricFilterCount, patterned.LogGroupClass, patterned.LogGroupArn));
        Assert.Null(patterned.DeletionProtectionEnabled);
        Assert.Null(patterned.StoredBytes);

        var (_, bogus) = Groups(new LogsRequest { LogGroupClass = "BOGUS" });
        Assert.Equal("1 validation error detected: Value 'BOGUS' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", bogus!.Message);
        var (_, both) = Groups(new LogsRequest { LogGroupNamePrefix = "/aws", LogGroupNamePattern = "f2" });
        Assert.Equal(new LogsError("InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."), both);
        var (_, nameAndIdentifier) = Filter(new LogsRequest { LogGroupName = "/aws/lambda/f1", LogGroupIdentifier = "/aws/lambda/f1" });
        Assert.Equal(new LogsError("ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters."), nameAndIdentifier);
    }

    [Fact]
    public void DescribeLogStreams_orders_by_name_or_last_event_and_pages()
    {
        var older = Open("fn", "2026/01/02/[$LATEST]zzz");
        Write(older, "x");
        _clock.AdvanceMilliseconds(100);
        var newer = Open("fn", "2026/01/01/[$LATEST]aaa");
        Write(newer, "y");
        Open("other", "s"); // another group, no lines

        var byName = Ok<DescribeLogStreamsResponse>(Streams, new LogsRequest { LogGroupName = "/aws/lambda/fn" });
        Assert.Equal(["2026/01/01/[$LATEST]aaa", "2026/01/02/[$LATEST]zzz"], byName.LogStreams.Select(s => s.LogStreamName));
        var byTime = Ok<DescribeLogStreamsResponse>(Streams, new LogsRequest { LogGroupName = "/aws/lambda/fn", OrderBy = "LastEventTime", Descending = true });
        Assert.Equal(["2026/01/01/[$LATEST]aaa", "2026/01/02/[$LATEST]zzz"], byTime.LogStreams.Select(s => s.LogStreamName));
        Assert.Equal(byTime.LogStreams[0].LastEventTimestamp, byTime.LogStreams[1].LastEventTimestamp + 100);

        var page = Ok<DescribeLogStreamsResponse>(Streams, new LogsRequest { LogGroupName = "/aws/lambda/fn", Limit = 1, Descending = true });
        Assert.Equal(["2026/01/02/[$LATEST]zzz"], page.LogStreams.Select(s => s.LogStreamName));
        var next = Ok<DescribeLogStreamsResponse>(Streams, new LogsRequest { LogGroupName = "/aws/lambda/fn", Limit = 1, Descending = true, NextToken = page.NextToken });
        Assert.Equal(["2026/01/01/[$LATEST]aaa"], next.LogStreams.Select(s => s.LogStreamName));
        Assert.Null(next.NextToken);

        var (_, error) = Streams(new LogsRequest { LogGroupName = "/aws/lambda/fn", OrderBy = "LastEventTime", LogStreamNamePrefix = "2026" });
        Assert.Equal(new LogsError("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix."), error);

        var groups = Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { Limit = 1 });
        Assert.Equal(["/aws/lambda/fn"], groups.LogGroups.Select(g => g.LogGroupName));
        var moreGroups = Ok<DescribeLogGroupsResponse>(Groups, new LogsRequest { Limit = 1, NextToken = groups.NextToken });
        Assert.Equal(["/aws/lambda/other"], moreGroups.LogGroups.Select(g => g.LogGroupName));
        Assert.Null(moreGroups.NextToken);
    }

    [Fact]
    public void Unknown_groups_streams_and_bad_parameters_are_AWSs_errors()
    {
        Write(Open("fn", "s"), "x");
        Assert.Equal(LogsError.GroupNotFound(), Get(new LogsRequest { LogGroupName = "/aws/lambda/nope", LogStreamName = "s" }).Item2);
        Assert.Equal(LogsError.StreamNotFound(), Get(new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "nope" }).Item2);
        Assert.Equal(LogsError.GroupNotFound(), Filter(new LogsRequest { LogGroupName = "/aws/lambda/nope" }).Item2);
        Assert.Equal("InvalidParameterException", Filter(new LogsRequest { LogGroupName = "/aws/lambda/fn", Limit = 10001 }).Item2!.Type);
        Assert.Equal("InvalidParameterException", Get(new LogsRequest { LogGroupName = "/aws/lambda/fn", LogStreamName = "s", NextToken = "garbage" }).Item2!.Type);
        Assert.Equal("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null", Filter(new LogsRequest()).Item2!.Message);
        // A group by its ARN.
        Assert.Null(Filter(new LogsRequest { LogGroupIdentifier = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/fn:*" }).Item2);
    }
}
