using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>
/// The function-URL API against the native binary: both aws CLIs from create to delete (AWS's shapes, validation and
/// messages), URLs on an alias, URLs that go with their alias and function, URLs kept across a restart, and the
/// front door's refusals: an unknown id (both forms) and an AWS_IAM URL called unsigned.
/// </summary>
public sealed partial class FunctionUrlApiTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo"), TestFunction.Sample("other", "echo")]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [GeneratedRegex(@"\Ahttp://(?<id>[a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(?<port>\d+)/\z")]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\z")]
    private static partial Regex TimePattern();

    private static async Task<JsonNode> OkAsync(AwsCli aws, GatewayProcess gateway, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(gateway, args);
        Assert.True(exit == 0, $"{aws.Binary} {string.Join(' ', args)}: {stderr}");
        return stdout.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(stdout)!;
    }

    private static async Task<string> FailsAsync(AwsCli aws, GatewayProcess gateway, params string[] args)
    {
        var (exit, _, stderr) = await aws.LambdaAsync(gateway, args);
        Assert.NotEqual(0, exit);
        return stderr.Trim();
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task From_create_to_delete_with_the_aws_cli(string cli)
    {
        using var aws = new AwsCli(cli);
        var created = await OkAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--auth-type", "NONE",
            "--cors", """{"AllowOrigins":["https://example.com"],"AllowMethods":["GET","POST"],"AllowHeaders":["x-custom"],"ExposeHeaders":["x-out"],"MaxAge":300,"AllowCredentials":true}""");
        var url = created["FunctionUrl"]!.GetValue<string>();
        var match = UrlPattern().Match(url);
        Assert.True(match.Success, url);
        Assert.Equal(_gateway.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups["port"].Value);
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:echo", created["FunctionArn"]!.GetValue<string>());
        Assert.Equal("NONE", created["AuthType"]!.GetValue<string>());
        Assert.Matches(TimePattern(), created["CreationTime"]!.GetValue<string>());
        Assert.Null(created["LastModifiedTime"]); // not in CreateFunctionUrlConfig's answer
        Assert.Null(created["InvokeMode"]); // nor InvokeMode, when the request did not set it (AWS's recorded answer)
        var cors = created["Cors"]!;
        Assert.Equal(["https://example.com"], cors["AllowOrigins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(300, cors["MaxAge"]!.GetValue<int>());
        Assert.True(cors["AllowCredentials"]!.GetValue<bool>());

        var conflict = await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--auth-type", "NONE");
        AssertError("ResourceConflictException", "CreateFunctionUrlConfig", "Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:echo]. Error message:  FunctionUrlConfig exists for this Lambda function", conflict);

        var got = await OkAsync(aws, _gateway, "get-function-url-config", "--function-name", "echo");
        Assert.Equal(url, got["FunctionUrl"]!.GetValue<string>());
        Assert.Equal(created["CreationTime"]!.GetValue<string>(), got["CreationTime"]!.GetValue<string>());
        Assert.Matches(TimePattern(), got["LastModifiedTime"]!.GetValue<string>());
        if (cli == "aws")
        {
            // GetFunctionUrlConfig always shows it (aws-cli 2.9's model predates InvokeMode and leaves it out).
            Assert.Equal("BUFFERED", got["InvokeMode"]!.GetValue<string>());
        }

        var updated = await OkAsync(aws, _gateway, "update-function-url-config", "--function-name", "arn:aws:lambda:us-east-1:000000000000:function:echo",
            "--auth-type", "AWS_IAM", "--cors", """{"AllowOrigins":["*"]}""");
        Assert.Equal(url, updated["FunctionUrl"]!.GetValue<string>());
        Assert.Equal("AWS_IAM", updated["AuthType"]!.GetValue<string>());
        Assert.Equal(["*"], updated["Cors"]!["AllowOrigins"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Null(updated["Cors"]!["MaxAge"]); // Cors is replaced as a whole
        Assert.Null(updated["InvokeMode"]);

        var listed = await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "echo");
        var only = Assert.Single(listed["FunctionUrlConfigs"]!.AsArray());
        Assert.Equal(url, only!["FunctionUrl"]!.GetValue<string>());
        Assert.Equal("AWS_IAM", only["AuthType"]!.GetValue<string>());

        await OkAsync(aws, _gateway, "delete-function-url-config", "--function-name", "echo");
        AssertError("ResourceNotFoundException", "GetFunctionUrlConfig", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "get-function-url-config", "--function-name", "echo"));
        AssertError("ResourceNotFoundException", "DeleteFunctionUrlConfig", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "delete-function-url-config", "--function-name", "echo"));
        AssertError("ResourceNotFoundException", "UpdateFunctionUrlConfig", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "update-function-url-config", "--function-name", "echo", "--auth-type", "NONE"));
        Assert.Empty((await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "echo"))["FunctionUrlConfigs"]!.AsArray());
        // AWS's texts for a function that does not exist (LocalStack's test_url_config_exceptions, recorded against AWS).
        AssertError("ResourceNotFoundException", "CreateFunctionUrlConfig", "Function does not exist",
            await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "missing", "--auth-type", "NONE"));
        AssertError("ResourceNotFoundException", "UpdateFunctionUrlConfig", "Function does not exist",
            await FailsAsync(aws, _gateway, "update-function-url-config", "--function-name", "missing", "--auth-type", "NONE"));
        AssertError("ResourceNotFoundException", "GetFunctionUrlConfig", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "get-function-url-config", "--function-name", "arn:aws:lambda:us-east-1:000000000000:function:missing"));
        AssertError("ResourceNotFoundException", "DeleteFunctionUrlConfig", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "delete-function-url-config", "--function-name", "missing"));
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task The_qualifier_is_an_alias_and_the_cors_limits_are_AWSs(string cli)
    {
        using var aws = new AwsCli(cli);
        const string Pattern = @"((?!^\d+$)^[0-9a-zA-Z-_]+$)";
        AssertError("ValidationException", "CreateFunctionUrlConfig", $"1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {Pattern}",
            await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--qualifier", "$LATEST", "--auth-type", "NONE"));
        Assert.Contains($"1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {Pattern}",
            await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--qualifier", "1", "--auth-type", "NONE"));
        Assert.Contains($"1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {Pattern}",
            await FailsAsync(aws, _gateway, "get-function-url-config", "--function-name", "echo:1"));
        AssertError("ResourceNotFoundException", "CreateFunctionUrlConfig", "Function does not exist",
            await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--qualifier", "live", "--auth-type", "NONE"));

        AssertError("ValidationException", "CreateFunctionUrlConfig", "2 validation errors detected: "
            + "Value '[GET, POST, PUT, DELETE, PATCH, HEAD, *]' at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6; "
            + "Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400",
            await FailsAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--auth-type", "NONE",
                "--cors", """{"AllowMethods":["GET","POST","PUT","DELETE","PATCH","HEAD","*"],"MaxAge":86401}"""));
        Assert.Empty((await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "echo"))["FunctionUrlConfigs"]!.AsArray());
    }

    [Fact]
    public async Task InvokeMode_and_an_alias_url_with_the_v1_cli_and_the_url_goes_with_its_alias_and_function()
    {
        using var aws = new AwsCli("aws");
        await OkAsync(aws, _gateway, "publish-version", "--function-name", "other");
        await OkAsync(aws, _gateway, "create-alias", "--function-name", "other", "--name", "live", "--function-version", "1");
        var unqualified = await OkAsync(aws, _gateway, "create-function-url-config", "--function-name", "other", "--auth-type", "NONE", "--invoke-mode", "RESPONSE_STREAM");
        Assert.Equal("RESPONSE_STREAM", unqualified["InvokeMode"]!.GetValue<string>());
        var alias = await OkAsync(aws, _gateway, "create-function-url-config", "--function-name", "other", "--qualifier", "live", "--auth-type", "NONE");
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:other:live", alias["FunctionArn"]!.GetValue<string>());
        Assert.Null(alias["InvokeMode"]); // not set by the request, so not in the answer (AWS's recorded create)
        Assert.NotEqual(unqualified["FunctionUrl"]!.GetValue<string>(), alias["FunctionUrl"]!.GetValue<string>());
        // As on AWS, a NONE URL answers once its policy allows the public in: the alias's policy, for the alias's URL.
        await OkAsync(aws, _gateway, "add-permission", "--function-name", "other", "--qualifier", "live", "--statement-id", "FunctionURLAllowPublicAccess",
            "--action", "lambda:InvokeFunctionUrl", "--principal", "*", "--function-url-auth-type", "NONE");
        await OkAsync(aws, _gateway, "add-permission", "--function-name", "other", "--qualifier", "live", "--statement-id", "FunctionURLInvokeAllowPublicAccess",
            "--action", "lambda:InvokeFunction", "--principal", "*", "--invoked-via-function-url");
        Assert.Equal(alias["FunctionUrl"]!.GetValue<string>(),
            (await OkAsync(aws, _gateway, "get-function-url-config", "--function-name", "other:live"))["FunctionUrl"]!.GetValue<string>());

        var page = await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "other", "--max-items", "1");
        Assert.Single(page["FunctionUrlConfigs"]!.AsArray());
        Assert.NotNull(page["NextToken"]); // the CLI's paginator turns NextMarker into NextToken
        var all = await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "other");
        Assert.Equal(2, all["FunctionUrlConfigs"]!.AsArray().Count);

        string aliasId = UrlPattern().Match(alias["FunctionUrl"]!.GetValue<string>()).Groups["id"].Value;
        string unqualifiedId = UrlPattern().Match(unqualified["FunctionUrl"]!.GetValue<string>()).Groups["id"].Value;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/_url/" + aliasId + "/")).Status);

        await OkAsync(aws, _gateway, "delete-alias", "--function-name", "other", "--name", "live");
        await AssertUnknownAsync("/_url/" + aliasId + "/");
        Assert.Contains("The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "get-function-url-config", "--function-name", "other", "--qualifier", "live"));
        Assert.Single((await OkAsync(aws, _gateway, "list-function-url-configs", "--function-name", "other"))["FunctionUrlConfigs"]!.AsArray());

        await OkAsync(aws, _gateway, "delete-function", "--function-name", "other");
        await AssertUnknownAsync("/_url/" + unqualifiedId + "/");
        Assert.Contains("Function does not exist", // AWS's text (LocalStack's test_url_config_list_paging, recorded against AWS)
            await FailsAsync(aws, _gateway, "list-function-url-configs", "--function-name", "other"));
    }

    /// <summary>An update's answer carries InvokeMode when the config has one set, not when the update names one
    /// (LS-REC test_lambda_update_function_url_config: modify_lambda_url_config_none; test_url_config_lifecycle:
    /// updated_url_config for a config that never set one).</summary>
    [Fact]
    public async Task An_update_answers_the_InvokeMode_a_config_was_given_and_none_for_one_never_given_it()
    {
        await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/echo/url",
            new JsonObject { ["AuthType"] = "NONE", ["InvokeMode"] = "BUFFERED" }, HttpStatusCode.Created);
        await _gateway.SendAsync(HttpMethod.Put, "/2021-10-31/functions/echo/url", new JsonObject { ["InvokeMode"] = "RESPONSE_STREAM" }, HttpStatusCode.OK);
        var set = await _gateway.SendAsync(HttpMethod.Put, "/2021-10-31/functions/echo/url", new JsonObject(), HttpStatusCode.OK);
        Assert.Equal("RESPONSE_STREAM", set["InvokeMode"]!.GetValue<string>());

        await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/other/url", new JsonObject { ["AuthType"] = "NONE" }, HttpStatusCode.Created);
        var never = await _gateway.SendAsync(HttpMethod.Put, "/2021-10-31/functions/other/url", new JsonObject { ["AuthType"] = "AWS_IAM" }, HttpStatusCode.OK);
        Assert.Null(never["InvokeMode"]);
    }

    [Fact]
    public async Task Urls_are_kept_across_a_restart()
    {
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/echo/url", new JsonObject
        {
            ["AuthType"] = "NONE",
            ["Cors"] = new JsonObject { ["AllowOrigins"] = new JsonArray("https://a.example"), ["MaxAge"] = 10 },
            ["InvokeMode"] = "RESPONSE_STREAM",
        }, HttpStatusCode.Created);
        string id = UrlPattern().Match(created["FunctionUrl"]!.GetValue<string>()).Groups["id"].Value;
        await _gateway.AllowPublicUrlAsync("echo"); // kept across the restart too
        await _gateway.StopAsync();

        await using var restarted = await GatewayProcess.RestartAsync(_gateway);
        var got = await restarted.SendAsync(HttpMethod.Get, "/2021-10-31/functions/echo/url", null, HttpStatusCode.OK);
        var match = UrlPattern().Match(got["FunctionUrl"]!.GetValue<string>());
        Assert.Equal(id, match.Groups["id"].Value);
        Assert.Equal(restarted.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups["port"].Value);
        Assert.Equal(created["CreationTime"]!.GetValue<string>(), got["CreationTime"]!.GetValue<string>());
        Assert.Equal("RESPONSE_STREAM", got["InvokeMode"]!.GetValue<string>());
        Assert.Equal(10, got["Cors"]!["MaxAge"]!.GetValue<int>());
        // That it was set is kept too: an update that does not name it still answers it.
        var updated = await restarted.SendAsync(HttpMethod.Put, "/2021-10-31/functions/echo/url", new JsonObject(), HttpStatusCode.OK);
        Assert.Equal("RESPONSE_STREAM", updated["InvokeMode"]!.GetValue<string>());
        using var routed = await restarted.Client.GetAsync($"/_url/{id}/").WithTimeout();
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
    }

    [Fact]
    public async Task An_unknown_id_gets_403_in_both_forms()
    {
        await AssertUnknownAsync("/_url/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/path");
        await AssertUnknownAsync("/_url/not-an-id");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/path");
        request.Headers.Host = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.lambda-url.us-east-1.localhost";
        using var response = await _gateway.Client.SendAsync(request).WithTimeout();
        await AssertUnknownAsync(response);
        // The Invoke API on the gateway's own address is untouched.
        using var invoked = await _gateway.InvokeAsync("echo", """{"still":"invoke"}""");
        Assert.Equal("""{"still":"invoke"}""", await invoked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_AWS_IAM_url_refuses_an_unsigned_request_as_AWS_does()
    {
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/echo/url", new JsonObject { ["AuthType"] = "AWS_IAM" }, HttpStatusCode.Created);
        string id = UrlPattern().Match(created["FunctionUrl"]!.GetValue<string>()).Groups["id"].Value;
        foreach (var host in new[] { null, $"{id}.lambda-url.us-east-1.localhost" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, host is null ? $"/_url/{id}/x" : "/x") { Content = new StringContent("{}") };
            if (host is not null)
            {
                request.Headers.Host = host;
            }
            using var response = await _gateway.Client.SendAsync(request).WithTimeout();
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("AccessDeniedException", Assert.Single(response.Headers.GetValues("x-amzn-ErrorType")));
            Assert.Equal("""{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}""",
                await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>The CLIs word an error alike except that v2 may add "(reached max retries: N)" before the colon.</summary>
    private static void AssertError(string type, string operation, string message, string stderr)
    {
        Assert.Contains($"An error occurred ({type}) when calling the {operation} operation", stderr);
        Assert.Contains(": " + message, stderr);
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _gateway.Client.GetAsync(path).WithTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertUnknownAsync(string path)
    {
        using var response = await _gateway.Client.GetAsync(path).WithTimeout();
        await AssertUnknownAsync(response);
    }

    private static async Task AssertUnknownAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("AccessDeniedException", Assert.Single(response.Headers.GetValues("x-amzn-ErrorType")));
        Assert.Equal("""{"Message":null}""", await response.Content.ReadAsStringAsync());
    }
}
