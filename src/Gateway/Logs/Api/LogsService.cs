using System.Globalization;

namespace Gateway.Logs.Api;

/// <summary>
/// CloudWatch Logs' read operations over the gateway's log files: DescribeLogGroups, DescribeLogStreams, GetLogEvents,
/// FilterLogEvents, and PutRetentionPolicy/DeleteRetentionPolicy. Limits, defaults and orders are botocore's and AWS's
/// API reference's (logs 2014-03-28). Every read first pushes the writers' buffers to disk, so what an invocation has
/// logged before the call is in the answer.
/// </summary>
internal sealed class LogsService
{
    /// <summary>FilterLogEvents and GetLogEvents: "up to 1 MB of log events" per call.</summary>
    private const int MaxResponseBytes = 1024 * 1024;

    private readonly LogCatalog _catalog;
    private readonly Action _flush;
    private readonly RetentionSettings _retention;
    private readonly string _region;
    private readonly string _accountId;

    public LogsService(LogCatalog catalog, Action flush, RetentionSettings retention, string region, string accountId)
    {
        _catalog = catalog;
        _flush = flush;
        _retention = retention;
        _region = region;
        _accountId = accountId;
    }

    private string GroupArn(string group) => $"arn:aws:logs:{_region}:{_accountId}:log-group:{group}";

    public object DescribeLogGroups(LogsRequest request, out LogsError? error)
    {
        error = CheckLimit(request.Limit, 50) ?? CheckLength("logGroupNamePrefix", request.LogGroupNamePrefix, 512)
            ?? CheckLength("logGroupNamePattern", request.LogGroupNamePattern, 512);
        if (error is null && request.LogGroupClass is { } logGroupClass && logGroupClass is not ("STANDARD" or "INFREQUENT_ACCESS" or "DELIVERY"))
        {
            error = LogsError.Validation($"Value '{logGroupClass}' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]");
        }
        if (error is null && request.LogGroupNamePrefix is not null && request.LogGroupNamePattern is not null)
        {
            // AWS's recorded answer (LocalStack's test_describe_log_groups_prefix_and_pattern_error).
            error = LogsError.InvalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
        }
        if (error is not null)
        {
            return null!;
        }
        _flush();
        // A pattern is a case-sensitive substring anywhere in the name ("DataLogs" matches aws/DataLogs, not datalogs).
        string? pattern = request.LogGroupNamePattern;
        var groups = _catalog.Streams()
            .GroupBy(s => s.LogGroup, StringComparer.Ordinal)
            .Where(g => request.LogGroupNamePrefix is not { } prefix || g.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Where(g => pattern is null || g.Key.Contains(pattern, StringComparison.Ordinal))
            // logGroupIdentifiers: names or ARNs (with or without ":*") of the groups wanted; logGroupClass: every
            // group here is STANDARD.
            .Where(g => request.LogGroupIdentifiers is not { } wanted || wanted.Any(w => IdentifiesGroup(w, g.Key)))
            .Where(g => request.LogGroupClass is null || request.LogGroupClass == "STANDARD")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        int skip = 0;
        if (request.NextToken is { } token)
        {
            if (!token.StartsWith("g/", StringComparison.Ordinal))
            {
                error = InvalidToken();
                return null!;
            }
            var after = token[2..];
            skip = groups.FindIndex(g => string.CompareOrdinal(g.Key, after) > 0);
            skip = skip < 0 ? groups.Count : skip;
        }
        int limit = request.Limit ?? 50;
        var page = groups.Skip(skip).Take(limit).ToList();
        var response = new DescribeLogGroupsResponse();
        foreach (var group in page)
        {
            var json = new LogGroupJson
            {
                LogGroupName = group.Key,
                CreationTime = group.Min(s => s.CreationTime()),
                Arn = GroupArn(group.Key) + ":*",
            };
            // With a pattern AWS leaves out the stored bytes, the retention and deletion protection (recorded in
            // LocalStack's test_describe_log_groups_with_pattern; the API reference says less is answered).
            json.MetricFilterCount = 0;
            json.LogGroupClass = "STANDARD";
            json.LogGroupArn = GroupArn(group.Key);
            if (pattern is null)
            {
                json.RetentionInDays = _retention.DaysOf(group.Key);
                json.StoredBytes = group.Sum(s => s.Size());
                json.DeletionProtectionEnabled = false;
            }
            response.LogGroups.Add(json);
        }
        if (skip + page.Count < groups.Count)
        {
            response.NextToken = "g/" + page[^1].Key;
        }
        return response;
    }

    public object DescribeLogStreams(LogsRequest request, out LogsError? error)
    {
        var group = GroupName(request, out error);
        error ??= CheckLimit(request.Limit, 50);
        if (error is null && request.OrderBy is { } order && order is not ("LogStreamName" or "LastEventTime"))
        {
            error = LogsError.Validation($"Value '{order}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]");
        }
        if (error is null && request.OrderBy == "LastEventTime" && request.LogStreamNamePrefix is not null)
        {
            error = LogsError.InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
        }
        if (error is not null)
        {
            return null!;
        }
        var streams = FreshStreamsOf(group!, out error);
        if (error is not null)
        {
            return null!;
        }
        var rows = streams
            .Where(s => request.LogStreamNamePrefix is not { } prefix || s.LogStream.StartsWith(prefix, StringComparison.Ordinal))
            .Select(s => (Stream: s, Times: s.EventTimes()))
            .ToList();
        bool descending = request.Descending == true;
        IEnumerable<(LogStreamFile Stream, (long? First, long? Last) Times)> ordered = request.OrderBy == "LastEventTime"
            ? (descending ? rows.OrderByDescending(r => r.Times.Last ?? 0).ThenByDescending(r => r.Stream.LogStream, StringComparer.Ordinal)
                          : rows.OrderBy(r => r.Times.Last ?? 0).ThenBy(r => r.Stream.LogStream, StringComparer.Ordinal))
            : (descending ? rows.OrderByDescending(r => r.Stream.LogStream, StringComparer.Ordinal) : rows.OrderBy(r => r.Stream.LogStream, StringComparer.Ordinal));
        int skip = 0;
        if (request.NextToken is { } token && !(token.StartsWith("s/", StringComparison.Ordinal) && int.TryParse(token.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out skip)))
        {
            error = InvalidToken();
            return null!;
        }
        int limit = request.Limit ?? 50;
        var all = ordered.ToList();
        var response = new DescribeLogStreamsResponse();
        foreach (var (stream, times) in all.Skip(skip).Take(limit))
        {
            response.LogStreams.Add(new LogStreamJson
            {
                LogStreamName = stream.LogStream,
                CreationTime = stream.CreationTime(),
                FirstEventTimestamp = times.First,
                LastEventTimestamp = times.Last,
                LastIngestionTime = times.Last,
                Arn = $"{GroupArn(group!)}:log-stream:{stream.LogStream}",
            });
        }
        if (skip + limit < all.Count)
        {
            response.NextToken = "s/" + (skip + limit).ToString(CultureInfo.InvariantCulture);
        }
        return response;
    }

    public object GetLogEvents(LogsRequest request, out LogsError? error)
    {
        var group = GroupName(request, out error);
        error ??= CheckLimit(request.Limit, 10000);
        if (error is null && string.IsNullOrEmpty(request.LogStreamName))
        {
            error = LogsError.Validation("Value null at 'logStreamName' failed to satisfy constraint: Member must not be null");
        }
        bool forward = request.StartFromHead == true;
        long? tokenOffset = null;
        if (error is null && request.NextToken is { } token)
        {
            if (LogTokens.TryParseStreamToken(token, out forward, out long offset))
            {
                tokenOffset = offset;
            }
            else
            {
                error = InvalidToken();
            }
        }
        if (error is not null)
        {
            return null!;
        }
        var streams = FreshStreamsOf(group!, out error);
        if (error is not null)
        {
            return null!;
        }
        var stream = streams.FirstOrDefault(s => s.LogStream == request.LogStreamName);
        if (stream is null)
        {
            error = LogsError.StreamNotFound();
            return null!;
        }
        // GetLogEvents' endTime is exclusive ("a timestamp equal to or later than this time are not included").
        var lines = stream.Read(request.StartTime, request.EndTime is { } end ? end - 1 : null);
        int limit = request.Limit ?? 10000;
        List<LogLine> page;
        if (forward)
        {
            long from = tokenOffset ?? 0;
            page = TakeForward(lines.Where(l => l.Offset >= from), limit);
        }
        else
        {
            long before = tokenOffset ?? long.MaxValue;
            page = TakeBackward(lines.Where(l => l.Offset < before).ToList(), limit);
        }
        var response = new GetLogEventsResponse();
        foreach (var line in page)
        {
            response.Events.Add(new OutputLogEventJson { Timestamp = line.Timestamp, Message = line.Message, IngestionTime = line.Timestamp });
        }
        if (page.Count > 0)
        {
            var last = page[^1];
            response.NextForwardToken = LogTokens.Forward(last.End);
            response.NextBackwardToken = LogTokens.Backward(page[0].Offset);
        }
        else
        {
            // Nothing (more) this way: the same position both ways, so a caller following a token sees it come back.
            long at = tokenOffset ?? (forward ? 0 : stream.Size());
            response.NextForwardToken = LogTokens.Forward(at);
            response.NextBackwardToken = LogTokens.Backward(at);
        }
        return response;
    }

    public object FilterLogEvents(LogsRequest request, out LogsError? error)
    {
        var group = GroupName(request, out error);
        error ??= CheckLimit(request.Limit, 10000);
        if (error is null && request.LogStreamNames is { } names && request.LogStreamNamePrefix is not null)
        {
            error = LogsError.InvalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
        }
        if (error is null && request.LogStreamNames is { Count: 0 or > 100 } badNames)
        {
            error = LogsError.Validation(badNames.Count == 0
                ? "Value '[]' at 'logStreamNames' failed to satisfy constraint: Member must have length greater than or equal to 1"
                : $"Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100");
        }
        if (error is null && request.FilterPattern is { Length: > 1024 })
        {
            error = LogsError.Validation("Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024");
        }
        FilterPattern pattern = FilterPattern.MatchAll;
        if (error is null && !FilterPattern.TryParse(request.FilterPattern, out pattern, out var patternError))
        {
            error = LogsError.InvalidParameter(patternError!);
        }
        if (error is null && request.NextToken is { } token && !LogTokens.IsEventId(token))
        {
            error = InvalidToken();
        }
        if (error is not null)
        {
            return null!;
        }
        var streams = FreshStreamsOf(group!, out error);
        if (error is not null)
        {
            return null!;
        }
        var selected = streams
            .Where(s => request.LogStreamNames is not { } wanted || wanted.Contains(s.LogStream))
            .Where(s => request.LogStreamNamePrefix is not { } prefix || s.LogStream.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(s => s.LogStream, StringComparer.Ordinal)
            .ToList();

        var matches = new List<(string Id, LogStreamFile Stream, LogLine Line)>();
        foreach (var stream in selected)
        {
            ulong hash = stream.Hash;
            foreach (var line in stream.Read(request.StartTime, request.EndTime))
            {
                if (pattern.Matches(line.Message))
                {
                    var id = LogTokens.EventId(line.Timestamp, hash, line.Offset);
                    if (request.NextToken is null || string.CompareOrdinal(id, request.NextToken) > 0)
                    {
                        matches.Add((id, stream, line));
                    }
                }
            }
        }
        matches.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));

        int limit = request.Limit ?? 10000;
        var response = new FilterLogEventsResponse();
        long bytes = 0;
        foreach (var (id, stream, line) in matches)
        {
            if (response.Events.Count == limit || (bytes += line.Message.Length + 100) > MaxResponseBytes && response.Events.Count > 0)
            {
                break;
            }
            response.Events.Add(new FilteredLogEventJson { LogStreamName = stream.LogStream, Timestamp = line.Timestamp, Message = line.Message, IngestionTime = line.Timestamp, EventId = id });
        }
        if (response.Events.Count < matches.Count)
        {
            response.NextToken = response.Events[^1].EventId;
        }
        // searchedLogStreams stays an empty list: "As of May 15, 2020, this parameter is no longer supported. This
        // parameter returns an empty list." (FilterLogEventsResponse).
        return response;
    }

    public object PutRetentionPolicy(LogsRequest request, out LogsError? error)
    {
        var group = GroupName(request, out error);
        if (error is null && request.RetentionInDays is not { } days)
        {
            error = LogsError.Validation("Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null");
        }
        else if (error is null && !RetentionSettings.AllowedDays.Contains(request.RetentionInDays!.Value))
        {
            error = LogsError.Validation($"Value '{request.RetentionInDays}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", RetentionSettings.AllowedDays)}]");
        }
        if (error is null && _catalog.StreamsOf(group!).Count == 0)
        {
            error = LogsError.GroupNotFound();
        }
        if (error is not null)
        {
            return null!;
        }
        _retention.Set(group!, request.RetentionInDays);
        return new EmptyResponse();
    }

    public object DeleteRetentionPolicy(LogsRequest request, out LogsError? error)
    {
        var group = GroupName(request, out error);
        if (error is null && _catalog.StreamsOf(group!).Count == 0)
        {
            error = LogsError.GroupNotFound();
        }
        if (error is not null)
        {
            return null!;
        }
        _retention.Set(group!, null);
        return new EmptyResponse();
    }

    private static List<LogLine> TakeForward(IEnumerable<LogLine> lines, int limit)
    {
        var page = new List<LogLine>();
        long bytes = 0;
        foreach (var line in lines)
        {
            if (page.Count == limit || ((bytes += line.Message.Length + 26) > MaxResponseBytes && page.Count > 0))
            {
                break;
            }
            page.Add(line);
        }
        return page;
    }

    /// <summary>The newest lines that fit, oldest first (GetLogEvents without startFromHead starts at the end).</summary>
    private static List<LogLine> TakeBackward(List<LogLine> lines, int limit)
    {
        long bytes = 0;
        int first = lines.Count;
        while (first > 0 && lines.Count - first < limit)
        {
            bytes += lines[first - 1].Message.Length + 26;
            if (bytes > MaxResponseBytes && first < lines.Count)
            {
                break;
            }
            first--;
        }
        return lines.GetRange(first, lines.Count - first);
    }

    /// <summary>Whether <paramref name="identifier"/> (a name, or an ARN with or without <c>:*</c>) names <paramref name="group"/>.</summary>
    private static bool IdentifiesGroup(string identifier, string group)
    {
        int marker = identifier.IndexOf(":log-group:", StringComparison.Ordinal);
        if (identifier.StartsWith("arn:", StringComparison.Ordinal) && marker > 0)
        {
            identifier = identifier[(marker + ":log-group:".Length)..];
            identifier = identifier.EndsWith(":*", StringComparison.Ordinal) ? identifier[..^2] : identifier;
        }
        return identifier == group;
    }

    /// <summary>logGroupName or logGroupIdentifier (a name or an ARN, with or without <c>:*</c>), not both.</summary>
    private static string? GroupName(LogsRequest request, out LogsError? error)
    {
        error = null;
        if (request.LogGroupName is not null && request.LogGroupIdentifier is not null)
        {
            // A ValidationException on AWS (LocalStack's test_logs_streams recording, error-both-name-and-identifier).
            error = LogsError.ValidationException("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
            return null;
        }
        var name = request.LogGroupName;
        if (request.LogGroupIdentifier is { } identifier)
        {
            name = identifier;
            int marker = identifier.IndexOf(":log-group:", StringComparison.Ordinal);
            if (identifier.StartsWith("arn:", StringComparison.Ordinal) && marker > 0)
            {
                name = identifier[(marker + ":log-group:".Length)..];
                if (name.EndsWith(":*", StringComparison.Ordinal))
                {
                    name = name[..^2];
                }
            }
        }
        if (string.IsNullOrEmpty(name))
        {
            error = LogsError.Validation("Value null at 'logGroupName' failed to satisfy constraint: Member must not be null");
            return null;
        }
        error = CheckLength("logGroupName", name, 512);
        return name;
    }

    private static LogsError? CheckLimit(int? limit, int max) => limit switch
    {
        < 1 => LogsError.Validation($"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        { } l when l > max => LogsError.Validation($"Value '{l}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {max}"),
        _ => null,
    };

    private static LogsError? CheckLength(string member, string? value, int max) =>
        value is { Length: var n } && n > max
            ? LogsError.Validation($"Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}")
            : null;

    private static LogsError InvalidToken() => LogsError.InvalidParameter("The specified nextToken is invalid.");

    /// <summary>The group's streams after the writers' buffers reach the files (an answer includes everything logged
    /// before the call), or AWS's ResourceNotFoundException when the group has none.</summary>
    private List<LogStreamFile> FreshStreamsOf(string group, out LogsError? error)
    {
        _flush();
        var streams = _catalog.StreamsOf(group);
        error = streams.Count == 0 ? LogsError.GroupNotFound() : null;
        return streams;
    }
}
