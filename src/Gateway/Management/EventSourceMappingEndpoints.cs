using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Event source mappings on botocore's paths. The gateway polls no queue or stream (it has no SQS, Kinesis, DynamoDB
/// Streams, Kafka or MQ pollers), so no mapping can exist here, and every operation answers as AWS answers when there
/// is none:
/// <list type="bullet">
/// <item>GET    /2015-03-31/event-source-mappings[/]          ListEventSourceMappings → <c>{"EventSourceMappings":[]}</c>, once
/// the query satisfies the model (<see cref="EventSourceMappingRules"/>)</item>
/// <item>GET|PUT|DELETE /2015-03-31/event-source-mappings/{UUID}  Get/Update/DeleteEventSourceMapping → 404
/// ResourceNotFoundException "The resource you requested does not exist." (LS-REC test_event_source_mapping_exceptions:
/// get/update/delete_unknown_uuid; the model gives UUID no pattern, so any UUID is simply unknown), which Terraform and
/// CDK read as "already gone"</item>
/// <item>POST   /2015-03-31/event-source-mappings[/]          CreateEventSourceMapping → 400 InvalidParameterValueException</item>
/// </list>
/// </summary>
internal static class EventSourceMappingEndpoints
{
    private const string Mappings = "/2015-03-31/event-source-mappings";

    /// <summary>AWS's text for an unknown UUID (recorded, with Type User and a capital Message).</summary>
    public const string UnknownMapping = "The resource you requested does not exist.";

    /// <summary>
    /// CreateEventSourceMapping's refusal. Accepting a mapping nothing would ever poll would leave a tool waiting for
    /// records that never arrive; a clear refusal is more honest. InvalidParameterValueException is the type AWS itself
    /// uses for an event source it cannot serve ("Unrecognized event source.", recorded), so clients and IaC tools
    /// report it as a bad request (shown to the user, not retried) rather than a fault.
    /// </summary>
    public const string NotServed = "Event source mappings are not served by this gateway: it has no SQS, Kinesis, DynamoDB Streams, Kafka or MQ pollers. Invoke the function directly (Invoke API or a function URL) instead.";

    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app)
    {
        app.MapGet(Mappings, (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return EventSourceMappingRules.CheckList(http.Request.Query) is { } invalid
                ? ManagementHttp.ErrorAsync(http, invalid)
                : ManagementHttp.WriteEmptyListAsync(http, "EventSourceMappings");
        }));
        app.MapPost(Mappings, (RequestDelegate)(http => RefuseAsync(http, LambdaError.InvalidParameterValue(NotServed))));
        var unknown = (RequestDelegate)(http => RefuseAsync(http, LambdaError.ResourceNotFound(UnknownMapping)));
        app.MapGet(Mappings + "/{UUID}", unknown);
        app.MapPut(Mappings + "/{UUID}", unknown);
        app.MapDelete(Mappings + "/{UUID}", unknown);
    }

    private static Task RefuseAsync(HttpContext http, LambdaError error)
    {
        ManagementHttp.Begin(http);
        return ManagementHttp.ErrorAsync(http, error);
    }
}
