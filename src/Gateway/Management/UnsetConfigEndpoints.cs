using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// Reads of settings this gateway has no part of — code signing, recursive-loop detection, runtime version management,
/// event source mappings — answered as AWS answers them for a function that never set them, so tools that read every
/// setting of a function (Terraform's AWS provider reads the code-signing config of each function it manages) work
/// here instead of meeting UnknownOperationException:
/// <list type="bullet">
/// <item>GET /2020-06-30/functions/{FunctionName}/code-signing-config → <c>{}</c> (no config attached; AWS's recorded
/// answer has neither member, though the model marks both required)</item>
/// <item>GET /2024-08-31/functions/{FunctionName}/recursion-config → <c>{"RecursiveLoop":"Terminate"}</c> (AWS's default)</item>
/// <item>GET /2021-07-20/functions/{FunctionName}/runtime-management-config[?Qualifier=] →
/// <c>{"UpdateRuntimeOn":"Auto","FunctionArn":…}</c> (AWS's default mode; no RuntimeVersionArn outside Manual)</item>
/// <item>GET /2015-03-31/event-source-mappings → <c>{"EventSourceMappings":[]}</c> (there are none: the gateway
/// polls no queue or stream)</item>
/// </list>
/// A function that does not exist is the same 404 as GetFunctionConfiguration's. The writes of these settings stay
/// unknown operations: accepting one would pretend the gateway honours it.
/// </summary>
internal static class UnsetConfigEndpoints
{
    /// <remarks>Each handler is a <see cref="RequestDelegate"/>: the minimal-API source generator leaves those alone.</remarks>
    public static void Map(WebApplication app, ManagementContext context)
    {
        app.MapGet("/2020-06-30/functions/{FunctionName}/code-signing-config", (RequestDelegate)(http => ForFunctionAsync(http, context, static (_, _) => { })));
        app.MapGet("/2024-08-31/functions/{FunctionName}/recursion-config", (RequestDelegate)(http => ForFunctionAsync(http, context,
            static (json, _) => json.WriteString("RecursiveLoop", "Terminate"))));
        app.MapGet("/2021-07-20/functions/{FunctionName}/runtime-management-config", (RequestDelegate)(http => ForFunctionAsync(http, context,
            static (json, arn) =>
            {
                json.WriteString("UpdateRuntimeOn", "Auto");
                json.WriteString("FunctionArn", arn);
            })));
        app.MapGet("/2015-03-31/event-source-mappings", (RequestDelegate)(http =>
        {
            ManagementHttp.Begin(http);
            return WriteAsync(http, static (json, _) =>
            {
                json.WriteStartArray("EventSourceMappings");
                json.WriteEndArray();
            }, "");
        }));
    }

    /// <summary>The route's function (and ?Qualifier=) resolved as GetFunctionConfiguration resolves it; AWS's refusal
    /// when it does not exist, else the members <paramref name="members"/> writes, given the resolved ARN.</summary>
    private static Task ForFunctionAsync(HttpContext http, ManagementContext context, Action<Utf8JsonWriter, string> members)
    {
        ManagementHttp.Begin(http);
        var (_, _, arn, error) = ManagementEndpoints.Resolve(http, context);
        if (error is not null)
        {
            return ManagementHttp.ErrorAsync(http, error);
        }
        return WriteAsync(http, members, arn!);
    }

    private static async Task WriteAsync(HttpContext http, Action<Utf8JsonWriter, string> members, string arn)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            json.WriteStartObject();
            members(json, arn);
            json.WriteEndObject();
        }
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
