using System.Text.Json;
using Gateway.Invocations;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Logs.Api;

/// <summary>
/// CloudWatch Logs' wire protocol on the gateway's own endpoint, so <c>aws logs … --endpoint-url</c> works: awsJson 1.1,
/// <c>POST /</c> with <c>X-Amz-Target: Logs_20140328.{Operation}</c> and a JSON body; answers
/// <c>application/x-amz-json-1.1</c>, errors 400 with <c>{"__type":…,"message":…}</c>. Requests are not authenticated
/// (the SigV4 signature the CLI adds is ignored), like the rest of the gateway's API.
/// </summary>
internal sealed class LogsEndpoint
{
    public const string TargetPrefix = "Logs_20140328.";
    private const string ContentType = "application/x-amz-json-1.1";
    private const int BodyLimit = 64 * 1024;

    private readonly LogsService _service;

    public LogsEndpoint(LogsService service)
    {
        _service = service;
    }

    public static bool IsLogsRequest(HttpContext http) =>
        http.Request.Headers["X-Amz-Target"].ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext http)
    {
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var operation = http.Request.Headers["X-Amz-Target"].ToString()[TargetPrefix.Length..];
        var (request, bodyError) = await JsonBodyReader.ReadAsync(http, LogsJsonContext.Wire.LogsRequest, BodyLimit, static () => new LogsRequest(), nullIsEmpty: true).ConfigureAwait(false);
        if (request is null)
        {
            if (bodyError is not null)
            {
                await WriteErrorAsync(http, new LogsError("SerializationException", bodyError.Message)).ConfigureAwait(false);
            }
            return;
        }
        LogsError? error;
        object? response = operation switch
        {
            "DescribeLogGroups" => _service.DescribeLogGroups(request, out error),
            "DescribeLogStreams" => _service.DescribeLogStreams(request, out error),
            "GetLogEvents" => _service.GetLogEvents(request, out error),
            "FilterLogEvents" => _service.FilterLogEvents(request, out error),
            "PutRetentionPolicy" => _service.PutRetentionPolicy(request, out error),
            "DeleteRetentionPolicy" => _service.DeleteRetentionPolicy(request, out error),
            _ => Unknown(operation, out error),
        };
        if (error is not null)
        {
            await WriteErrorAsync(http, error).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = ContentType;
        var body = response switch
        {
            DescribeLogGroupsResponse r => JsonSerializer.SerializeToUtf8Bytes(r, LogsJsonContext.Wire.DescribeLogGroupsResponse),
            DescribeLogStreamsResponse r => JsonSerializer.SerializeToUtf8Bytes(r, LogsJsonContext.Wire.DescribeLogStreamsResponse),
            GetLogEventsResponse r => JsonSerializer.SerializeToUtf8Bytes(r, LogsJsonContext.Wire.GetLogEventsResponse),
            FilterLogEventsResponse r => JsonSerializer.SerializeToUtf8Bytes(r, LogsJsonContext.Wire.FilterLogEventsResponse),
            _ => "{}"u8.ToArray(),
        };
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>An operation of CloudWatch Logs this gateway does not serve: awsJson's UnknownOperationException.</summary>
    private static object? Unknown(string operation, out LogsError? error)
    {
        error = new LogsError("UnknownOperationException", $"Operation {operation} is not supported by this gateway (it serves DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents, PutRetentionPolicy, DeleteRetentionPolicy).");
        return null;
    }

    private static async Task WriteErrorAsync(HttpContext http, LogsError error)
    {
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        http.Response.ContentType = ContentType;
        http.Response.Headers["x-amzn-ErrorType"] = error.Type;
        var body = JsonSerializer.SerializeToUtf8Bytes(new LogsErrorJson { Type = error.Type, Message = error.Message }, LogsJsonContext.Wire.LogsErrorJson);
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }
}
