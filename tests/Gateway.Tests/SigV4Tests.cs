using System.Net;
using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// <c>--auth sigv4 --credentials FILE</c> against AWS's own signers: the aws CLI (v1 and v2), boto3 and the JS SDK v3
/// sign with the right secret (served), a wrong secret (InvalidSignatureException), an unknown key
/// (UnrecognizedClientException), a clock 10 minutes fast (Lambda's "Signature expired" text); an unsigned request is
/// MissingAuthenticationTokenException; a body other than the signed one is refused and never invoked (the function's
/// log is the evidence); a wrong secret is refused before a missing function, alias or bad header is reported; a Date
/// header in botocore's form is verified; an AWS_IAM function URL signed by botocore is served. Scripts: tests/fixtures/sigv4/.
/// </summary>
public sealed class SigV4Tests : IAsyncLifetime
{
    private const string Key = "AKIAGATEWAYTEST00001";
    private const string Secret = "gateway/Test+Secret=Key0000000000000000";
    private GatewayProcess _gateway = null!;
    private string _dir = null!;

    private static string Fixtures => Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "sigv4");

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("sigv4-").FullName;
        var credentials = Path.Combine(_dir, "credentials");
        await File.WriteAllTextAsync(credentials, $"[tester]\naws_access_key_id = {Key}\naws_secret_access_key = {Secret}\naws_account_id = 111122223333\n");
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        var functions = new System.Text.Json.Nodes.JsonObject { ["Functions"] = new System.Text.Json.Nodes.JsonArray(TestFunction.Sample("echo").ToJson()) };
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), functions.ToJsonString());
        int port = FreePort();
        // The tester is of the gateway's own account: a caller of another account would need a resource policy
        // (PermissionTests' CrossAccountTests).
        _gateway = GatewayProcess.Launch(root, port, "--auth", "sigv4", "--credentials", credentials, "--account-id", "111122223333");
        // Listening once an unsigned request is refused (there is no unauthenticated endpoint to poll).
        await Poll.UntilAsync(async () =>
        {
            if (_gateway.HasExited)
            {
                throw new InvalidOperationException(_gateway.Output);
            }
            try
            {
                return (await _gateway.Client.GetAsync("/_gateway/status")).StatusCode == HttpStatusCode.Forbidden;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the gateway to listen");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string Endpoint => _gateway.BaseAddress.ToString().TrimEnd('/');

    private static Dictionary<string, string> Cli(string key, string secret) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = key,
        ["AWS_SECRET_ACCESS_KEY"] = secret,
    };

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task The_aws_CLI_signs_and_is_verified(string binary)
    {
        using var cli = new AwsCli(binary);

        var ok = await cli.LambdaAsync(_gateway, ["invoke", "--function-name", "echo", "--payload", """{"signed":true}""", "out.json"], Cli(Key, Secret));
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal("""{"signed":true}""", await File.ReadAllTextAsync(Path.Combine(cli.Directory, "out.json")));
        var list = await cli.LambdaAsync(_gateway, ["list-functions"], Cli(Key, Secret));
        Assert.True(list.ExitCode == 0, list.Stderr);
        var logs = await cli.LambdaAsync(_gateway, ["get-account-settings"], Cli(Key, Secret));
        Assert.True(logs.ExitCode == 0, logs.Stderr);

        var wrong = await cli.LambdaAsync(_gateway, ["invoke", "--function-name", "echo", "--payload", "{}", "out.json"], Cli(Key, "not-the-secret"));
        // v2 adds "(reached max retries: 0)" before the colon.
        Assert.Contains("An error occurred (InvalidSignatureException) when calling the Invoke operation", wrong.Stderr);
        Assert.Contains(": The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", wrong.Stderr);
        var wrongGet = await cli.LambdaAsync(_gateway, ["get-function", "--function-name", "echo"], Cli(Key, "not-the-secret"));
        Assert.Contains("(InvalidSignatureException) when calling the GetFunction operation", wrongGet.Stderr);

        var unknown = await cli.LambdaAsync(_gateway, ["list-functions"], Cli("AKIAUNKNOWNKEY000000", Secret));
        Assert.Contains("An error occurred (UnrecognizedClientException) when calling the ListFunctions operation", unknown.Stderr);
        Assert.Contains(": The security token included in the request is invalid.", unknown.Stderr);
    }

    [Fact]
    public async Task The_Logs_API_is_verified_for_service_logs()
    {
        using var cli = new AwsCli();
        var ok = await cli.LogsAsync(_gateway, "describe-log-groups");
        Assert.Contains("UnrecognizedClientException", ok.Stderr); // AwsCli's default key "test" is not in the file

        var psi = cli.Environment();
        psi["AWS_ACCESS_KEY_ID"] = Key;
        psi["AWS_SECRET_ACCESS_KEY"] = Secret;
        var signed = await Processes.RunAsync("aws", ["--endpoint-url", Endpoint, "logs", "describe-log-groups"], psi, cli.Directory);
        Assert.True(signed.ExitCode == 0, signed.Stderr);
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Code_Location_opens_with_a_plain_GET_as_AWSs_presigned_link(string binary)
    {
        using var cli = new AwsCli(binary);
        var environment = cli.Environment();
        environment["AWS_ACCESS_KEY_ID"] = Key;
        environment["AWS_SECRET_ACCESS_KEY"] = Secret;
        var got = await Processes.RunAsync(binary, ["--endpoint-url", Endpoint, "lambda", "get-function", "--function-name", "echo", "--query", "Code.Location", "--output", "text"], environment, cli.Directory);
        Assert.True(got.ExitCode == 0, got.Stderr);
        var location = got.Stdout.Trim();
        Assert.Contains("X-Amz-Signature=", location);
        Assert.Contains("X-Amz-Expires=600", location);

        // curl, a browser, requests.get: no signing of their own (AWS's link is a presigned S3 URL).
        using var plain = new HttpClient();
        using var zip = await plain.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        Assert.Equal("PK"u8.ToArray(), (await zip.Content.ReadAsByteArrayAsync())[..2]);

        // The signature opens that file only.
        using var other = await plain.GetAsync(location.Replace("/_gateway/code/", "/_gateway/code/0", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var bare = await plain.GetAsync(location[..location.IndexOf('?')]);
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
    }

    private static async Task<JsonElement> RunJsonAsync(string file, params string[] args)
    {
        var environment = new Dictionary<string, string>();
        if (file == "node")
        {
            environment["SDK_NODE_MODULES"] = await JsSdk.NodeModulesAsync();
        }
        var (exit, stdout, stderr) = await Processes.RunAsync(file, args, environment, timeoutMs: 120_000);
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
    }

    private Task<JsonElement> BotoAsync(params string[] args) => RunJsonAsync("python3", [Path.Combine(Fixtures, "botocore_client.py"), .. args]);

    [Fact]
    public async Task Boto3_right_wrong_unknown_and_a_fast_clock()
    {
        var ok = await BotoAsync("invoke", Endpoint, Key, Secret, "echo", """{"from":"boto3"}""");
        Assert.Equal(200, ok.GetProperty("status").GetInt32());
        Assert.Equal("""{"from":"boto3"}""", ok.GetProperty("body").GetString());

        var wrong = await BotoAsync("invoke", Endpoint, Key, "wrong", "echo", "{}");
        Assert.Equal(403, wrong.GetProperty("status").GetInt32());
        Assert.Equal("InvalidSignatureException", wrong.GetProperty("code").GetString());

        var unknown = await BotoAsync("invoke", Endpoint, "AKIANOBODY0000000000", Secret, "echo", "{}");
        Assert.Equal(403, unknown.GetProperty("status").GetInt32());
        Assert.Equal("UnrecognizedClientException", unknown.GetProperty("code").GetString());

        var fast = await BotoAsync("invoke", Endpoint, Key, Secret, "echo", "{}", "10");
        Assert.Equal(403, fast.GetProperty("status").GetInt32());
        Assert.Equal("InvalidSignatureException", fast.GetProperty("code").GetString());
        Assert.Matches(@"^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$", fast.GetProperty("message").GetString());

        var slow = await BotoAsync("invoke", Endpoint, Key, Secret, "echo", "{}", "-10");
        Assert.Equal("InvalidSignatureException", slow.GetProperty("code").GetString());
        Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$", slow.GetProperty("message").GetString());
    }

    /// <summary>
    /// AWS recomputes the signature before it looks at what the request names: a wrong secret is 403
    /// InvalidSignatureException for a missing function, alias or invocation type too, so holding an access key id
    /// tells nobody which functions exist (and a mistyped secret is not reported as "Function not found"). With the
    /// right secret each keeps its own answer. The bodies are small (they arrive with the headers), as boto3 sends them.
    /// </summary>
    [Fact]
    public async Task A_wrong_secret_is_refused_before_what_the_request_names_is_looked_at()
    {
        var cases = new (string Mode, string Operation, string Arguments, int Status, string? Code)[]
        {
            ("call", "invoke", """{"FunctionName":"nosuchfn","Payload":"[1,2,3,4]"}""", 404, "ResourceNotFoundException"),
            ("call", "invoke", """{"FunctionName":"echo:nope","Payload":"{}"}""", 404, "ResourceNotFoundException"),
            ("call", "invoke", """{"FunctionName":"echo","InvocationType":"Bogus","Payload":"{}"}""", 400, "ValidationException"),
            ("call", "invoke", """{"FunctionName":"echo","InvocationType":"DryRun","Payload":"{}"}""", 204, null),
            ("call", "invoke_async", """{"FunctionName":"nosuchfn","InvokeArgs":"{}"}""", 404, "ResourceNotFoundException"),
            ("call", "invoke_with_response_stream", """{"FunctionName":"nosuchfn","Payload":"{}"}""", 404, "ResourceNotFoundException"),
            ("call", "create_event_source_mapping", """{"FunctionName":"echo","EventSourceArn":"arn:aws:sqs:us-east-1:111122223333:q"}""", 400, "InvalidParameterValueException"),
            ("post", "/2015-03-31/no-such-operation", "{}", 404, "UnknownOperationException"),
            // Too large for the invocation type: decided after the function is looked up, so a 413 at once would tell
            // that echo exists (a missing function's wrong-secret answer is the 403).
            ("call", "invoke", """{"FunctionName":"echo","InvocationType":"Event","PayloadBytes":300000}""", 413, "RequestEntityTooLargeException"),
            ("call", "invoke", """{"FunctionName":"echo","PayloadBytes":7000000}""", 413, "RequestEntityTooLargeException"),
        };
        var answers = await Task.WhenAll(cases.SelectMany(c => new[] { Secret, "wrong" }.Select(secret =>
            BotoAsync(c.Mode, Endpoint, Key, secret, c.Operation, c.Arguments))));
        for (int i = 0; i < cases.Length; i++)
        {
            var (mode, operation, arguments, status, code) = cases[i];
            var right = answers[2 * i];
            var wrong = answers[2 * i + 1];
            string what = $"{operation} {arguments}";
            Assert.True(status == right.GetProperty("status").GetInt32(), $"{what} (right secret): {right}");
            if (code is not null)
            {
                Assert.True(code == right.GetProperty("code").GetString(), $"{what} (right secret): {right}");
            }
            Assert.True(wrong.GetProperty("status").GetInt32() == 403, $"{what} (wrong secret): {wrong}");
            Assert.True(wrong.GetProperty("code").GetString() == "InvalidSignatureException", $"{what} (wrong secret): {wrong}");
        }
    }

    /// <summary>botocore, given a Date header, signs with it in <c>email.utils.formatdate</c>'s form
    /// (<c>… -0000</c>) and sends no X-Amz-Date.</summary>
    [Fact]
    public async Task A_Date_header_as_botocore_writes_it_is_verified()
    {
        var ok = await BotoAsync("get", Endpoint, Key, Secret, "/2015-03-31/functions", """{"Date":"now"}""");
        Assert.EndsWith(" -0000", ok.GetProperty("date").GetString());
        Assert.True(ok.GetProperty("status").GetInt32() == 200, ok.ToString());

        var wrong = await BotoAsync("get", Endpoint, Key, "wrong", "/2015-03-31/functions", """{"Date":"now"}""");
        Assert.Equal("InvalidSignatureException", wrong.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_JS_SDK_v3_signs_and_is_verified()
    {
        var script = Path.Combine(Fixtures, "js_sdk_client.mjs");
        var ok = await RunJsonAsync("node", script, Endpoint, Key, Secret, "echo", """{"from":"js"}""");
        Assert.Equal(200, ok.GetProperty("status").GetInt32());
        Assert.Equal("""{"from":"js"}""", ok.GetProperty("body").GetString());

        var wrong = await RunJsonAsync("node", script, Endpoint, Key, "wrong", "echo", "{}");
        Assert.Equal(403, wrong.GetProperty("status").GetInt32());
        Assert.Equal("InvalidSignatureException", wrong.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_body_other_than_the_signed_one_is_refused_and_never_invoked()
    {
        int before = CountStarts();
        var refused = await BotoAsync("tamper", Endpoint, Key, Secret, "echo", """{"amount":100}""", """{"amount":999}""");
        Assert.Equal(403, refused.GetProperty("status").GetInt32());
        Assert.Equal("InvalidSignatureException", refused.GetProperty("code").GetString());
        Assert.Contains("The request signature we calculated does not match", refused.GetProperty("body").GetString(), StringComparison.Ordinal);

        // The same script with the same body on both sides is served: the refusal was the body's doing.
        var same = await BotoAsync("tamper", Endpoint, Key, Secret, "echo", """{"amount":100}""", """{"amount":100}""");
        Assert.Equal(200, same.GetProperty("status").GetInt32());
        Assert.Equal("""{"amount":100}""", same.GetProperty("body").GetString());
        await Poll.UntilAsync(() => Task.FromResult(CountStarts() == before + 1), "the served invocation's START line");
        Assert.DoesNotContain("999", _gateway.ReadLogs("echo"), StringComparison.Ordinal);
    }

    private int CountStarts() => _gateway.ReadLogs("echo").Split('\n').Count(l => l.StartsWith("START RequestId:", StringComparison.Ordinal));

    [Fact]
    public async Task Unsigned_requests_are_missing_their_authentication_token()
    {
        foreach (var path in new[] { "/2015-03-31/functions", "/metrics", "/_gateway/status" })
        {
            var response = await _gateway.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("MissingAuthenticationTokenException", response.Headers.GetValues("x-amzn-ErrorType").Single());
            Assert.Equal("""{"message":"Missing Authentication Token"}""", await response.Content.ReadAsStringAsync());
        }
        var invoke = await _gateway.InvokeAsync("echo", "{}");
        Assert.Equal(HttpStatusCode.Forbidden, invoke.StatusCode);
    }

    [Fact]
    public async Task An_AWS_IAM_function_URL_signed_by_botocore_is_served()
    {
        using var cli = new AwsCli();
        var created = await cli.LambdaAsync(_gateway, ["create-function-url-config", "--function-name", "echo", "--auth-type", "AWS_IAM"], Cli(Key, Secret));
        Assert.True(created.ExitCode == 0, created.Stderr);
        var url = new Uri(JsonDocument.Parse(created.Stdout).RootElement.GetProperty("FunctionUrl").GetString()!);
        var id = url.Host.Split('.')[0];

        var signed = await BotoAsync("get", Endpoint, Key, Secret, $"/_url/{id}/hello?x=1");
        Assert.Equal(200, signed.GetProperty("status").GetInt32());
        // The function learns who signed (urls-invocation: authorizer.iam "if the function URL uses the AWS_IAM auth
        // type"): the echo returns its event.
        var context = JsonDocument.Parse(signed.GetProperty("body").GetString()!).RootElement.GetProperty("requestContext");
        Assert.Equal("111122223333", context.GetProperty("accountId").GetString());
        var iam = context.GetProperty("authorizer").GetProperty("iam");
        Assert.Equal(Key, iam.GetProperty("accessKey").GetString());
        Assert.Equal("111122223333", iam.GetProperty("accountId").GetString());
        Assert.Equal("arn:aws:iam::111122223333:user/tester", iam.GetProperty("userArn").GetString());
        Assert.Matches("^AIDA[A-Z2-7]{17}$", iam.GetProperty("userId").GetString());
        Assert.Equal(iam.GetProperty("userId").GetString(), iam.GetProperty("callerId").GetString());
        Assert.Equal(JsonValueKind.Null, iam.GetProperty("principalOrgId").ValueKind);

        var wrong = await BotoAsync("get", Endpoint, Key, "wrong", $"/_url/{id}/hello");
        Assert.Equal(403, wrong.GetProperty("status").GetInt32());
        Assert.Equal("InvalidSignatureException", wrong.GetProperty("code").GetString());

        var unsigned = await _gateway.Client.GetAsync($"/_url/{id}/hello");
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("AccessDeniedException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single());
    }
}
