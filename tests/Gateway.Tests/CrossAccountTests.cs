using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Cross-account calls with <c>--auth sigv4</c>: the credentials file has the owner (the gateway's account) and alice
/// (<c>aws_account_id = 111111111111</c>). Alice's signed invokes are refused with AWS's AccessDeniedException until the
/// owner grants her account with add-permission — exactly for what was granted (the function, not its alias) — and
/// her signed requests to an AWS_IAM URL likewise need both URL grants. Both aws CLIs and botocore sign.
/// </summary>
public sealed class CrossAccountTests : IAsyncLifetime
{
    private const string OwnerKey = "AKIAGATEWAYOWNER0001";
    private const string AliceKey = "AKIAGATEWAYALICE0001";
    private const string Secret = "cross/Account+Secret=0000000000000000000";
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    private GatewayProcess _gateway = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("cross-account-").FullName;
        var credentials = Path.Combine(_dir, "credentials");
        await File.WriteAllTextAsync(credentials,
            $"[owner]\naws_access_key_id = {OwnerKey}\naws_secret_access_key = {Secret}\n\n[alice]\naws_access_key_id = {AliceKey}\naws_secret_access_key = {Secret}\naws_account_id = 111111111111\n");
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        var functions = new JsonObject { ["Functions"] = new JsonArray(TestFunction.Sample("echo").ToJson()) };
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), functions.ToJsonString());
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            _gateway = GatewayProcess.Launch(root, port, "--auth", "sigv4", "--credentials", credentials);
        }
        await Poll.UntilAsync(async () =>
        {
            if (_gateway.HasExited)
            {
                throw new InvalidOperationException(_gateway.Output);
            }
            try
            {
                return (await _gateway.Client.GetAsync("/_gateway/status")).StatusCode == HttpStatusCode.Forbidden; // unsigned: refused once listening
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

    private static Dictionary<string, string> As(string key) => new() { ["AWS_ACCESS_KEY_ID"] = key, ["AWS_SECRET_ACCESS_KEY"] = Secret };

    private async Task<JsonNode> OwnerAsync(AwsCli aws, params string[] args)
    {
        var (exit, stdout, stderr) = await aws.LambdaAsync(_gateway, args, As(OwnerKey));
        Assert.True(exit == 0, $"{aws.Binary} {string.Join(' ', args)}: {stderr}");
        return stdout.Trim().Length == 0 ? new JsonObject() : JsonNode.Parse(stdout)!;
    }

    private async Task<(int Exit, string Stderr)> AliceInvokeAsync(AwsCli aws, params string[] args)
    {
        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, ["invoke", .. args, "--payload", "{}", Path.Combine(aws.Directory, "out.json")], As(AliceKey));
        return (exit, stderr);
    }

    private static string Denied(string resource) =>
        $"User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:InvokeFunction on resource: {resource} because no resource-based policy allows the lambda:InvokeFunction action";

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Another_accounts_invoke_is_refused_until_a_policy_allows_it(string cli)
    {
        using var aws = new AwsCli(cli);
        await OwnerAsync(aws, "publish-version", "--function-name", "echo");
        await OwnerAsync(aws, "create-alias", "--function-name", "echo", "--name", "live", "--function-version", "1");
        // The owner's own invokes need no policy.
        await OwnerAsync(aws, "invoke", "--function-name", "echo", "--payload", "{}", Path.Combine(aws.Directory, "owner.json"));

        var (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo");
        Assert.NotEqual(0, exit);
        Assert.Contains("An error occurred (AccessDeniedException) when calling the Invoke operation", stderr);
        Assert.Contains(Denied(Arn), stderr);

        await OwnerAsync(aws, "add-permission", "--function-name", "echo", "--statement-id", "alice-account", "--action", "lambda:InvokeFunction", "--principal", "111111111111");
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo");
        Assert.True(exit == 0, stderr);
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", Arn);
        Assert.True(exit == 0, stderr);

        // The grant is the function's: the alias has a policy of its own.
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo", "--qualifier", "live");
        Assert.NotEqual(0, exit);
        Assert.Contains(Denied(Arn + ":live"), stderr);
        await OwnerAsync(aws, "add-permission", "--function-name", "echo", "--qualifier", "live", "--statement-id", "alice", "--action", "lambda:InvokeFunction",
            "--principal", "arn:aws:iam::111111111111:user/alice");
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo", "--qualifier", "live");
        Assert.True(exit == 0, stderr);

        // Taking the grant away refuses her again.
        await OwnerAsync(aws, "remove-permission", "--function-name", "echo", "--statement-id", "alice-account");
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo");
        Assert.Contains(Denied(Arn), stderr);

        // An ARN of her own account names a function this gateway does not hold (no policy is involved).
        (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "arn:aws:lambda:us-east-1:111111111111:function:echo");
        Assert.Contains("The function's account 111111111111 is not this gateway's account (000000000000).", stderr);
    }

    [Fact]
    public async Task Another_accounts_signed_url_request_needs_both_url_grants()
    {
        using var aws = new AwsCli();
        var created = await OwnerAsync(aws, "create-function-url-config", "--function-name", "echo", "--auth-type", "AWS_IAM");
        string id = new Uri(created["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];
        string endpoint = _gateway.BaseAddress.ToString().TrimEnd('/');
        async Task<JsonElement> GetAsync(string key)
        {
            var (exit, stdout, stderr) = await Processes.RunAsync("python3",
                [Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "sigv4", "botocore_client.py"), "get", endpoint, key, Secret, $"/_url/{id}/hello"], timeoutMs: 120_000);
            Assert.True(exit == 0, stderr);
            return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        }

        Assert.Equal(200, (await GetAsync(OwnerKey)).GetProperty("status").GetInt32()); // same account: its identity decides (not modelled: allowed)
        var refused = await GetAsync(AliceKey);
        Assert.Equal(403, refused.GetProperty("status").GetInt32());
        Assert.Equal("AccessDeniedException", refused.GetProperty("code").GetString());

        await OwnerAsync(aws, "add-permission", "--function-name", "echo", "--statement-id", "url", "--action", "lambda:InvokeFunctionUrl",
            "--principal", "111111111111", "--function-url-auth-type", "AWS_IAM");
        Assert.Equal(403, (await GetAsync(AliceKey)).GetProperty("status").GetInt32()); // lambda:InvokeFunction too, since 2025-10
        await OwnerAsync(aws, "add-permission", "--function-name", "echo", "--statement-id", "invoke", "--action", "lambda:InvokeFunction",
            "--principal", "111111111111", "--invoked-via-function-url");
        Assert.Equal(200, (await GetAsync(AliceKey)).GetProperty("status").GetInt32());
        // That grant is for URL invokes only: her direct Invoke stays refused.
        var (exit, stderr) = await AliceInvokeAsync(aws, "--function-name", "echo");
        Assert.NotEqual(0, exit);
        Assert.Contains(Denied(Arn), stderr);
    }
}
