using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// List operations over resources that cannot exist here still check their input as the model says before answering
/// (service-2.json constraints, AWS's "N validation error(s) detected: …" text, every violated member in one answer):
/// ListEventSourceMappings' EventSourceArn (the Arn pattern), FunctionName (NamespacedFunctionName: 1–256 and the
/// pattern AWS quoted for it, LS-REC 2025-11) and MaxItems (1–10000), through botocore with its own parameter checks off
/// (as a raw client would send them); ListFunctionsByCodeSigningConfig's MaxItems before its 404.
/// </summary>
public sealed class ListValidationTests
{
    private const string NamePattern = @"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
    private const string ArnPattern = @"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)";

    [Fact]
    public async Task ListEventSourceMappings_refuses_what_the_model_refuses_and_lists_nothing_otherwise()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        string longName = new('f', 257);
        var answers = await BotoCalls.RunAsync(gateway, $$"""
            esm = l.list_event_source_mappings
            call("plain", lambda: esm())
            call("filters", lambda: esm(FunctionName="arn:aws:lambda:us-east-1:000000000000:function:missing:live", EventSourceArn="arn:aws:sqs:us-east-1:000000000000:queue", MaxItems=10000))
            call("max_0", lambda: esm(MaxItems=0))
            call("max_minus_1", lambda: esm(MaxItems=-1))
            call("max_10001", lambda: esm(MaxItems=10001))
            call("max_abc", lambda: esm(MaxItems="abc"))
            call("bad_name", lambda: esm(FunctionName="bad name"))
            call("long_name", lambda: esm(FunctionName="{{longName}}"))
            call("bad_arn", lambda: esm(EventSourceArn="xyz"))
            call("all_bad", lambda: esm(EventSourceArn="xyz", FunctionName="bad name", MaxItems=0))
            """);
        string Answer(string name) => answers[name]!.ToJsonString();
        static string Invalid(string entries) => $$"""[400,"ValidationException",{{JsonValue.Create(entries).ToJsonString()}},null]""";
        static string Max(string value, string constraint) => $"Value '{value}' at 'maxItems' failed to satisfy constraint: Member must {constraint}";

        Assert.Equal("""{"EventSourceMappings":[]}""", Answer("plain"));
        // A well-formed filter naming nothing that exists is an empty list, as AWS recorded.
        Assert.Equal("""{"EventSourceMappings":[]}""", Answer("filters"));
        Assert.Equal(Invalid("1 validation error detected: " + Max("0", "have value greater than or equal to 1")), Answer("max_0"));
        Assert.Equal(Invalid("1 validation error detected: " + Max("-1", "have value greater than or equal to 1")), Answer("max_minus_1"));
        Assert.Equal(Invalid("1 validation error detected: " + Max("10001", "have value less than or equal to 10000")), Answer("max_10001"));
        Assert.Equal(Invalid("1 validation error detected: " + Max("abc", "be a number")), Answer("max_abc"));
        string badName = "Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + NamePattern;
        string badArn = "Value 'xyz' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + ArnPattern;
        Assert.Equal(Invalid("1 validation error detected: " + badName), Answer("bad_name"));
        Assert.Equal(Invalid($"1 validation error detected: Value '{longName}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256"), Answer("long_name"));
        Assert.Equal(Invalid("1 validation error detected: " + badArn), Answer("bad_arn"));
        Assert.Equal(Invalid($"3 validation errors detected: {badArn}; {badName}; " + Max("0", "have value greater than or equal to 1")), Answer("all_bad"));
    }

    /// <summary>The config cannot exist, but MaxItems is checked first, with the ARN, as AWS validates a request whole
    /// before it looks anything up.</summary>
    [Fact]
    public async Task ListFunctionsByCodeSigningConfig_checks_MaxItems_before_the_config()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        const string Functions = "/2020-04-22/code-signing-configs/arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefg/functions";
        foreach (var (query, status, body) in new[]
        {
            ("?MaxItems=0", HttpStatusCode.BadRequest,
                """{"message":"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"}"""),
            ("?MaxItems=10001", HttpStatusCode.BadRequest,
                """{"message":"1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000"}"""),
            ("?MaxItems=10", HttpStatusCode.NotFound,
                """{"Message":"The Lambda code signing configuration arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdefg can not be found."}"""),
        })
        {
            using var response = await gateway.Client.GetAsync(Functions + query).WithTimeout();
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
        }
    }
}
