using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.UnitTests.Support;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>The endpoints over HTTP: botocore's paths and status codes, AWS's error header and body shapes.</summary>
public sealed class ManagementEndpointTests
{
    private static readonly string FnArn = ArnOf("fn");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonNode? Body, string? ErrorType)> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await client.SendAsync(request).WithTimeout();
        string text = await response.Content.ReadAsStringAsync().WithTimeout();
        string? errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single() : null;
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), errorType);
    }

    [Fact]
    public async Task Alias_lifecycle()
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 2));
        var client = server.Client;

        var created = await SendAsync(client, HttpMethod.Post, "/2015-03-31/functions/fn/aliases",
            """{"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.25}}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(FnArn + ":live", (string?)created.Body!["AliasArn"]);
        Assert.Equal("", (string?)created.Body["Description"]);
        Assert.Equal(0.25, (double)created.Body["RoutingConfig"]!["AdditionalVersionWeights"]!["2"]!);
        string revision = (string)created.Body["RevisionId"]!;

        var got = await SendAsync(client, HttpMethod.Get, $"/2015-03-31/functions/{Uri.EscapeDataString(FnArn)}/aliases/live");
        Assert.Equal(HttpStatusCode.OK, got.Status);
        Assert.Equal(revision, (string?)got.Body!["RevisionId"]);

        var stale = await SendAsync(client, HttpMethod.Put, "/2015-03-31/functions/fn/aliases/live", """{"RevisionId":"wrong"}""");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Assert.Equal("PreconditionFailedException", stale.ErrorType);
        Assert.Equal("User", (string?)stale.Body!["Type"]);

        var updated = await SendAsync(client, HttpMethod.Put, "/2015-03-31/functions/fn/aliases/live",
            """{"FunctionVersion":"2","RoutingConfig":{"AdditionalVersionWeights":{}},"RevisionId":"REV"}""".Replace("REV", revision, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("2", (string?)updated.Body!["FunctionVersion"]);
        Assert.Null(updated.Body["RoutingConfig"]);
        Assert.NotEqual(revision, (string?)updated.Body["RevisionId"]);

        var listed = await SendAsync(client, HttpMethod.Get, "/2015-03-31/functions/fn/aliases?FunctionVersion=2&MaxItems=10");
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        Assert.Single(listed.Body!["Aliases"]!.AsArray());
        Assert.Null(listed.Body["NextMarker"]);

        var deleted = await SendAsync(client, HttpMethod.Delete, "/2015-03-31/functions/fn/aliases/live");
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);

        var missing = await SendAsync(client, HttpMethod.Get, "/2015-03-31/functions/fn/aliases/live");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("ResourceNotFoundException", missing.ErrorType);
        Assert.Equal($"Cannot find alias arn: {FnArn}:live", (string?)missing.Body!["Message"]);
        Assert.Equal("User", (string?)missing.Body["Type"]);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_invalid_request_content()
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 1));
        var response = await SendAsync(server.Client, HttpMethod.Post, "/2015-03-31/functions/fn/aliases", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("InvalidRequestContentException", response.ErrorType);
    }

    [Fact]
    public async Task Reserved_concurrency_lifecycle()
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 1));
        var client = server.Client;

        var put = await SendAsync(client, HttpMethod.Put, "/2017-10-31/functions/fn/concurrency", """{"ReservedConcurrentExecutions":5}""");
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(5, (int)put.Body!["ReservedConcurrentExecutions"]!);
        Assert.True(server.Registry.Current.TryGet("fn", out var function));
        Assert.Equal(5, function.ReservedConcurrentExecutions);

        var got = await SendAsync(client, HttpMethod.Get, "/2019-09-30/functions/fn/concurrency");
        Assert.Equal(5, (int)got.Body!["ReservedConcurrentExecutions"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, "/2017-10-31/functions/fn/concurrency")).Status);
        var after = await SendAsync(client, HttpMethod.Get, "/2019-09-30/functions/fn/concurrency");
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Empty(after.Body!.AsObject());

        var qualified = await SendAsync(client, HttpMethod.Put, "/2017-10-31/functions/fn:$LATEST/concurrency", """{"ReservedConcurrentExecutions":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, qualified.Status);
        Assert.Equal("InvalidParameterValueException", qualified.ErrorType);

        var tooMuch = await SendAsync(client, HttpMethod.Put, "/2017-10-31/functions/fn/concurrency", """{"ReservedConcurrentExecutions":1000}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.Status);
        Assert.Null(tooMuch.Body!["Type"]); // recorded without Type
        Assert.NotNull(tooMuch.Body["message"]);

        var missing = await SendAsync(client, HttpMethod.Get, "/2019-09-30/functions/nope/concurrency");
        Assert.Equal($"Function not found: {ArnOf("nope")}", (string?)missing.Body!["Message"]);
    }

    [Fact]
    public async Task Provisioned_concurrency_lifecycle()
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 1));
        var client = server.Client;
        const string path = "/2019-09-30/functions/fn/provisioned-concurrency";

        var put = await SendAsync(client, HttpMethod.Put, path + "?Qualifier=1", """{"ProvisionedConcurrentExecutions":2}""");
        Assert.Equal(HttpStatusCode.Accepted, put.Status);
        Assert.Equal("IN_PROGRESS", (string?)put.Body!["Status"]);
        Assert.EndsWith("+0000", (string?)put.Body["LastModified"]);

        server.Ready["fn:1"] = 2;
        var got = await SendAsync(client, HttpMethod.Get, path + "?Qualifier=1");
        Assert.Equal(HttpStatusCode.OK, got.Status);
        Assert.Equal("READY", (string?)got.Body!["Status"]);
        Assert.Equal(2, (int)got.Body["AvailableProvisionedConcurrentExecutions"]!);

        var listed = await SendAsync(client, HttpMethod.Get, path + "?List=ALL");
        Assert.Equal(FnArn + ":1", (string?)listed.Body!["ProvisionedConcurrencyConfigs"]![0]!["FunctionArn"]);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(client, HttpMethod.Delete, path + "?Qualifier=1")).Status);
        var gone = await SendAsync(client, HttpMethod.Get, path + "?Qualifier=1");
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal("ProvisionedConcurrencyConfigNotFoundException", gone.ErrorType);
        Assert.Equal("No Provisioned Concurrency Config found for this function", (string?)gone.Body!["message"]);

        var latest = await SendAsync(client, HttpMethod.Put, path + "?Qualifier=$LATEST", """{"ProvisionedConcurrentExecutions":1}""");
        Assert.Equal("Provisioned Concurrency Configs cannot be applied to unpublished function versions.", (string?)latest.Body!["message"]);
    }

    [Fact]
    public async Task Event_invoke_config_per_version_and_alias()
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 1).WithAlias(Alias("fn", "live", "1")));
        var client = server.Client;
        const string path = "/2019-09-25/functions/fn/event-invoke-config";

        var onVersion = await SendAsync(client, HttpMethod.Put, path + "?Qualifier=1", """{"MaximumRetryAttempts":0}""");
        Assert.Equal(HttpStatusCode.OK, onVersion.Status);
        Assert.Equal(FnArn + ":1", (string?)onVersion.Body!["FunctionArn"]);

        var onAlias = await SendAsync(client, HttpMethod.Put, "/2019-09-25/functions/fn:live/event-invoke-config", """{"MaximumRetryAttempts":1}""");
        Assert.Equal(FnArn + ":live", (string?)onAlias.Body!["FunctionArn"]);

        var latest = await SendAsync(client, HttpMethod.Get, path);
        Assert.Equal($"The function {FnArn}:$LATEST doesn't have an EventInvokeConfig", (string?)latest.Body!["Message"]);

        var listed = await SendAsync(client, HttpMethod.Get, path + "/list");
        Assert.Equal(2, listed.Body!["FunctionEventInvokeConfigs"]!.AsArray().Count);

        var noAlias = await SendAsync(client, HttpMethod.Put, path + "?Qualifier=nope", """{"MaximumRetryAttempts":1}""");
        Assert.Equal(HttpStatusCode.NotFound, noAlias.Status);
        Assert.Equal("The function doesn't exist.", (string?)noAlias.Body!["Message"]);

        var noVersion = await SendAsync(client, HttpMethod.Get, path + "?Qualifier=1221");
        Assert.Equal($"The function {FnArn}:1221 doesn't have an EventInvokeConfig", (string?)noVersion.Body!["Message"]);

        var mismatch = await SendAsync(client, HttpMethod.Get, "/2019-09-25/functions/fn:live/event-invoke-config?Qualifier=1");
        Assert.Equal("InvalidParameterValueException", mismatch.ErrorType);
    }

    [Theory]
    [InlineData("/2016-08-19/account-settings")]
    [InlineData("/2016-08-19/account-settings/")]
    public async Task Account_settings_on_both_paths(string path)
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 1, reserved: 10));
        var settings = await SendAsync(server.Client, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, settings.Status);
        Assert.Equal(990, (int)settings.Body!["AccountLimit"]!["UnreservedConcurrentExecutions"]!);
        Assert.Equal(1, (int)settings.Body["AccountUsage"]!["FunctionCount"]!);
        Assert.Equal(200, (long)settings.Body["AccountUsage"]!["TotalCodeSize"]!);
    }
}
