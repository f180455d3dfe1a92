using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Resource-based policies against the native binary, driven by AWS's own clients (both aws CLIs and boto3):
/// AddPermission/GetPolicy/RemovePermission round trips with AWS's shapes and messages, a NONE URL refused until its
/// policy lets the public in, policies kept across a restart and gone with their function, and an ARN of another
/// account refused with AWS's AccessDeniedException.
/// </summary>
public sealed class PermissionTests : IAsyncLifetime
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    private const string Forbidden = """{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}""";

    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

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

    /// <summary>The CLIs word an error alike except that v2 may add "(reached max retries: N)" before the colon.</summary>
    private static void AssertError(string type, string operation, string message, string stderr)
    {
        Assert.Contains($"An error occurred ({type}) when calling the {operation} operation", stderr);
        Assert.Contains(": " + message, stderr);
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Add_get_and_remove_with_the_aws_cli(string cli)
    {
        using var aws = new AwsCli(cli);
        AssertError("ResourceNotFoundException", "GetPolicy", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "get-policy", "--function-name", "echo"));
        AssertError("ResourceNotFoundException", "RemovePermission", "No policy is associated with the given resource.",
            await FailsAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "s3"));

        var added = await OkAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "s3", "--action", "lambda:InvokeFunction",
            "--principal", "s3.amazonaws.com", "--source-arn", "arn:aws:s3:::my-bucket", "--source-account", "111111111111");
        // The Statement member is a JSON string, as AWS answers it.
        Assert.Equal($$$$"""{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"{{{{Arn}}}}","Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}""",
            added["Statement"]!.GetValue<string>());
        await OkAsync(aws, _gateway, "add-permission", "--function-name", Arn, "--statement-id", "account", "--action", "lambda:GetFunction", "--principal", "222222222222");

        var policy = await OkAsync(aws, _gateway, "get-policy", "--function-name", "echo");
        string revision = policy["RevisionId"]!.GetValue<string>();
        Assert.Equal($$"""{"Version":"2012-10-17","Id":"default","Statement":[{{added["Statement"]!.GetValue<string>()}},{"Sid":"account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"lambda:GetFunction","Resource":"{{Arn}}"}]}""",
            policy["Policy"]!.GetValue<string>());

        AssertError("ResourceConflictException", "AddPermission", "The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "s3", "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com"));
        AssertError("InvalidParameterValueException", "AddPermission", "We currently do not support adding policies for $LATEST.",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--qualifier", "$LATEST", "--statement-id", "x", "--action", "lambda:InvokeFunction", "--principal", "*"));
        AssertError("InvalidParameterValueException", "AddPermission", "The provided principal was invalid. Please check the principal and try again.",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "x", "--action", "lambda:InvokeFunction", "--principal", "nobody"));
        AssertError("ValidationException", "AddPermission", "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "example.com", "--action", "lambda:InvokeFunction", "--principal", "*"));
        AssertError("ResourceNotFoundException", "AddPermission", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "missing", "--statement-id", "x", "--action", "lambda:InvokeFunction", "--principal", "*"));
        AssertError("ResourceNotFoundException", "AddPermission", $"Cannot find alias arn: {Arn}:nope",
            await FailsAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--qualifier", "nope", "--statement-id", "x", "--action", "lambda:InvokeFunction", "--principal", "*"));
        AssertError("ResourceNotFoundException", "RemovePermission", "Statement nope is not found in resource policy.",
            await FailsAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "nope"));
        AssertError("ResourceNotFoundException", "RemovePermission", "No policy found for: arn:aws:lambda:us-east-1:000000000000:function:missing",
            await FailsAsync(aws, _gateway, "remove-permission", "--function-name", "missing", "--statement-id", "s3"));
        AssertError("PreconditionFailedException", "RemovePermission", "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
            await FailsAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "s3", "--revision-id", "stale"));
        Assert.Equal(revision, (await OkAsync(aws, _gateway, "get-policy", "--function-name", "echo"))["RevisionId"]!.GetValue<string>()); // refusals change nothing

        await OkAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "s3", "--revision-id", revision);
        var after = await OkAsync(aws, _gateway, "get-policy", "--function-name", "echo");
        Assert.NotEqual(revision, after["RevisionId"]!.GetValue<string>());
        Assert.DoesNotContain("\"s3\"", after["Policy"]!.GetValue<string>());
        await OkAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "account");
        AssertError("ResourceNotFoundException", "GetPolicy", "The resource you requested does not exist.",
            await FailsAsync(aws, _gateway, "get-policy", "--function-name", "echo"));
    }

    [Fact]
    public async Task Versions_and_aliases_have_policies_of_their_own_with_boto3()
    {
        var script = $$"""
            import boto3, json
            from botocore.exceptions import ClientError
            l = boto3.client("lambda", endpoint_url="{{_gateway.BaseAddress.ToString().TrimEnd('/')}}", region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test")
            l.publish_version(FunctionName="echo")
            l.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
            out = {}
            out["alias"] = json.loads(l.add_permission(FunctionName="echo", Qualifier="live", StatementId="url", Action="lambda:InvokeFunction",
                                                       Principal="*", InvokedViaFunctionUrl=True)["Statement"])
            out["version"] = json.loads(l.add_permission(FunctionName="echo:1", StatementId="url", Action="lambda:*", Principal="arn:aws:iam::111111111111:user/alice")["Statement"])
            policy = l.get_policy(FunctionName="echo", Qualifier="live")
            out["alias_policy"] = json.loads(policy["Policy"])
            try:
                l.add_permission(FunctionName="echo", Qualifier="live", StatementId="other", Action="lambda:InvokeFunction", Principal="*", RevisionId="stale")
            except ClientError as e:
                out["stale"] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
            l.add_permission(FunctionName="echo", Qualifier="live", StatementId="other", Action="lambda:InvokeFunction", Principal="*", RevisionId=policy["RevisionId"])
            try:
                l.get_policy(FunctionName="echo")
            except ClientError as e:
                out["function"] = e.response["Error"]["Code"]
            l.delete_alias(FunctionName="echo", Name="live")
            l.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
            try:
                l.get_policy(FunctionName="echo", Qualifier="live")
            except ClientError as e:
                out["recreated_alias"] = e.response["Error"]["Code"]
            out["version_after"] = len(json.loads(l.get_policy(FunctionName="echo", Qualifier="1")["Policy"])["Statement"])
            print(json.dumps(out))
            """;
        var (exit, stdout, stderr) = await Processes.RunAsync("python3", ["-c", script], timeoutMs: 120_000);
        Assert.True(exit == 0, stderr);
        var result = JsonNode.Parse(stdout)!;
        Assert.Equal($$$$"""{"Sid":"url","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"{{{{Arn}}}}:live","Condition":{"Bool":{"lambda:InvokedViaFunctionUrl":"true"}}}""",
            result["alias"]!.ToJsonString());
        Assert.Equal($$"""{"Sid":"url","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"lambda:*","Resource":"{{Arn}}:1"}""",
            result["version"]!.ToJsonString());
        Assert.Equal($$"""{"Version":"2012-10-17","Id":"default","Statement":[{{result["alias"]!.ToJsonString()}}]}""", result["alias_policy"]!.ToJsonString());
        Assert.Equal("""["PreconditionFailedException","The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",412]""",
            result["stale"]!.ToJsonString());
        Assert.Equal("ResourceNotFoundException", result["function"]!.GetValue<string>()); // the function's own policy is another one
        Assert.Equal("ResourceNotFoundException", result["recreated_alias"]!.GetValue<string>()); // deleting the alias dropped its policy
        Assert.Equal(1, result["version_after"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task A_NONE_url_answers_403_until_its_policy_lets_the_public_in(string cli)
    {
        using var aws = new AwsCli(cli);
        var created = await OkAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--auth-type", "NONE");
        string id = new Uri(created["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];
        await AssertForbiddenAsync(id);

        await OkAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "FunctionURLAllowPublicAccess",
            "--action", "lambda:InvokeFunctionUrl", "--principal", "*", "--function-url-auth-type", "NONE");
        await AssertForbiddenAsync(id); // since 2025-10 a new URL also needs lambda:InvokeFunction

        // aws-cli v1 (1.45) has --invoked-via-function-url; v2.9.19 predates it, so there the grant has no condition.
        string[] viaUrl = cli == "aws" ? ["--invoked-via-function-url"] : [];
        await OkAsync(aws, _gateway, ["add-permission", "--function-name", "echo", "--statement-id", "FunctionURLInvokeAllowPublicAccess",
            "--action", "lambda:InvokeFunction", "--principal", "*", .. viaUrl]);
        using (var allowed = await _gateway.Client.PostAsync($"/_url/{id}/hello", new StringContent("{}")).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("/hello", JsonNode.Parse(await allowed.Content.ReadAsStringAsync())!["rawPath"]!.GetValue<string>());
        }

        // A grant that names another auth type does not count; taking the public grant away closes the URL again.
        await OkAsync(aws, _gateway, "remove-permission", "--function-name", "echo", "--statement-id", "FunctionURLAllowPublicAccess");
        await OkAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "iam-only",
            "--action", "lambda:InvokeFunctionUrl", "--principal", "*", "--function-url-auth-type", "AWS_IAM");
        await AssertForbiddenAsync(id);
    }

    [Fact]
    public async Task A_refused_URL_request_carries_the_URL_CORS_headers_so_a_page_sees_the_403()
    {
        // "Lambda automatically adds the CORS headers to all responses through the function URL": without them a
        // browser reports a CORS failure instead of the 403.
        using var aws = new AwsCli("aws");
        var created = await OkAsync(aws, _gateway, "create-function-url-config", "--function-name", "echo", "--auth-type", "NONE",
            "--cors", """{"AllowOrigins":["https://app.example.com"],"ExposeHeaders":["x-echo"]}""");
        string id = new Uri(created["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/_url/{id}/hello") { Content = new StringContent("{}") };
        request.Headers.Add("Origin", "https://app.example.com");
        using var response = await _gateway.Client.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("x-echo", response.Headers.GetValues("Access-Control-Expose-Headers").Single());
        Assert.Equal(Forbidden, await response.Content.ReadAsStringAsync());
    }

    private async Task AssertForbiddenAsync(string id)
    {
        using var response = await _gateway.Client.PostAsync($"/_url/{id}/hello", new StringContent("{}")).WithTimeout();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("AccessDeniedException", Assert.Single(response.Headers.GetValues("x-amzn-ErrorType")));
        Assert.Equal(Forbidden, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task An_arn_of_another_account_is_refused_as_AWS_refuses_a_call_no_policy_allows(string cli)
    {
        using var aws = new AwsCli(cli);
        const string foreign = "arn:aws:lambda:us-east-1:111111111111:function:echo";
        // The gateway's own account and a policy that lets everyone in change nothing: the gateway holds no policy of account 1111….
        await OkAsync(aws, _gateway, "add-permission", "--function-name", "echo", "--statement-id", "all", "--action", "lambda:InvokeFunction", "--principal", "*");
        foreach (var (name, resource) in new[] { (foreign, foreign), (foreign + ":live", foreign + ":live"), ("111111111111:function:echo", foreign) })
        {
            var stderr = await FailsAsync(aws, _gateway, "invoke", "--function-name", name, "--payload", "{}", Path.Combine(aws.Directory, "out.json"));
            AssertError("AccessDeniedException", "Invoke",
                $"User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:InvokeFunction on resource: {resource} because no resource-based policy allows the lambda:InvokeFunction action",
                stderr);
        }
        using var raw = await _gateway.InvokeAsync(foreign, "{}");
        Assert.Equal(HttpStatusCode.Forbidden, raw.StatusCode);
        Assert.Equal("AccessDeniedException", Assert.Single(raw.Headers.GetValues("x-amzn-ErrorType")));
        // The same function by the gateway's own account's ARN runs.
        await OkAsync(aws, _gateway, "invoke", "--function-name", Arn, "--payload", "{}", Path.Combine(aws.Directory, "out.json"));
    }

    [Fact]
    public async Task Policies_are_kept_across_a_restart_and_go_with_their_function()
    {
        var zip = FunctionZip.BashAnswering("{}");
        await _gateway.CreateFunctionAsync("made", zip);
        await _gateway.WaitUntilReadyAsync("made");
        var added = await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/made/policy",
            new JsonObject { ["StatementId"] = "a", ["Action"] = "lambda:InvokeFunction", ["Principal"] = "111111111111" }, HttpStatusCode.Created);
        var before = await _gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/made/policy", null, HttpStatusCode.OK);
        await _gateway.StopAsync();

        await using var restarted = await GatewayProcess.RestartAsync(_gateway);
        var after = await restarted.SendAsync(HttpMethod.Get, "/2015-03-31/functions/made/policy", null, HttpStatusCode.OK);
        Assert.Equal(before.ToJsonString(), after.ToJsonString()); // the same policy text and RevisionId
        Assert.Contains(added["Statement"]!.GetValue<string>(), after["Policy"]!.GetValue<string>());

        await restarted.SendAsync(HttpMethod.Delete, "/2015-03-31/functions/made", null, HttpStatusCode.NoContent);
        await restarted.CreateFunctionAsync("made", zip);
        await restarted.WaitUntilReadyAsync("made");
        await restarted.SendAsync(HttpMethod.Get, "/2015-03-31/functions/made/policy", null, HttpStatusCode.NotFound);
    }
}
