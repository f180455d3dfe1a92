using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// --https against the native binary, with the development certificate scripts/make-dev-cert.sh makes: HTTP/2 by ALPN
/// for the Invoke and management APIs (curl --http2 reports version 2), HTTP/1.1 still on TLS, plain HTTP unchanged and
/// without h2c, Lambda's 413 over HTTP/2, both aws CLIs over https with --ca-bundle, and a bad certificate refused at
/// start with exit code 2.
/// </summary>
public sealed class HttpsTests(HttpsTests.HttpsGateway fixture) : IClassFixture<HttpsTests.HttpsGateway>
{
    /// <summary>One gateway serving plain HTTP on --urls and HTTPS on --https, and the certificate it serves.</summary>
    public sealed class HttpsGateway : IAsyncLifetime
    {
        public GatewayProcess Gateway { get; private set; } = null!;

        public string CertificateDirectory { get; } = Directory.CreateTempSubdirectory("gateway-cert-").FullName;

        public string Certificate => Path.Combine(CertificateDirectory, "cert.pem");

        public string Key => Path.Combine(CertificateDirectory, "key.pem");

        public int HttpsPort { get; } = GatewayProcess.FreePort();

        public string HttpsBase => $"https://127.0.0.1:{HttpsPort}";

        public async Task InitializeAsync()
        {
            var made = await Processes.RunAsync(Path.Combine(TestPaths.RepoRoot, "scripts", "make-dev-cert.sh"), ["--out", CertificateDirectory]);
            Assert.True(made.ExitCode == 0, made.Stderr);
            Gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 1 }],
                "--https", $"127.0.0.1:{HttpsPort}", "--https-certificate", Certificate, "--https-certificate-key", Key);
        }

        public async Task DisposeAsync()
        {
            await Gateway.DisposeAsync();
            Directory.Delete(CertificateDirectory, recursive: true);
        }
    }

    private const string Invocations = "/2015-03-31/functions/echo/invocations";

    /// <summary>curl with the certificate trusted; the last output line is "STATUS VERSION" (-w), the rest the body.</summary>
    private async Task<(string Status, string Version, string Body, string Stderr)> CurlAsync(params string[] args)
    {
        var run = await Processes.RunAsync("curl", ["-sS", "--cacert", fixture.Certificate, "-w", "\n%{http_code} %{http_version}", .. args]);
        Assert.True(run.ExitCode == 0, $"curl exit {run.ExitCode}: {run.Stderr}");
        int lastLine = run.Stdout.LastIndexOf('\n');
        var statusAndVersion = run.Stdout[(lastLine + 1)..].Split(' ');
        return (statusAndVersion[0], statusAndVersion[1], run.Stdout[..Math.Max(lastLine, 0)], run.Stderr);
    }

    [Fact]
    public async Task An_invoke_over_https_negotiates_http2()
    {
        var (status, version, body, _) = await CurlAsync("--http2", "--data-binary", "{\"over\":\"h2\"}", fixture.HttpsBase + Invocations);
        Assert.Equal("200", status);
        Assert.Equal("2", version);
        Assert.Equal("{\"over\":\"h2\"}", body);
    }

    [Fact]
    public async Task A_management_call_over_https_negotiates_http2()
    {
        var (status, version, body, _) = await CurlAsync("--http2", fixture.HttpsBase + "/2015-03-31/functions/echo");
        Assert.Equal("200", status);
        Assert.Equal("2", version);
        Assert.Equal("echo", JsonNode.Parse(body)!["Configuration"]!["FunctionName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Http11_still_works_over_https()
    {
        var (status, version, body, _) = await CurlAsync("--http1.1", "--data-binary", "\"one-one\"", fixture.HttpsBase + Invocations);
        Assert.Equal("200", status);
        Assert.Equal("1.1", version);
        Assert.Equal("\"one-one\"", body);
    }

    [Fact]
    public async Task Plain_http_stays_http11_and_offers_no_h2c()
    {
        string plain = fixture.Gateway.BaseAddress.ToString().TrimEnd('/');
        // curl --http2 on http:// asks to upgrade (h2c); the gateway does not take it up.
        var (status, version, body, _) = await CurlAsync("--http2", "--data-binary", "\"plain\"", plain + Invocations);
        Assert.Equal("200", status);
        Assert.Equal("1.1", version);
        Assert.Equal("\"plain\"", body);
        // HTTP/2 with prior knowledge (the h2 preface straight away) is not spoken on a plain port.
        var prior = await Processes.RunAsync("curl", ["-sS", "--http2-prior-knowledge", "-w", "%{http_version}", "--data-binary", "{}", plain + Invocations]);
        Assert.False(prior.ExitCode == 0 && prior.Stdout.EndsWith('2'), $"h2c answered: {prior.Stdout}");
    }

    [Fact]
    public async Task A_too_large_body_over_http2_gets_lambdas_413_and_the_connection_keeps_serving()
    {
        string file = Path.Combine(fixture.CertificateDirectory, "big.json");
        await File.WriteAllTextAsync(file, "\"" + new string('a', 6 * 1024 * 1024) + "\"");
        // Two requests on one connection: the refused upload, then an ordinary invoke (curl reuses the connection).
        var run = await Processes.RunAsync("curl", ["-sS", "--http2", "--cacert", fixture.Certificate,
            "-w", "\n%{http_code} %{http_version} %{num_connects} %header{x-amzn-errortype}\n",
            "--data-binary", "@" + file, fixture.HttpsBase + Invocations,
            "--next", "--http2", "--cacert", fixture.Certificate, "-w", "\n%{http_code} %{http_version} %{num_connects}\n",
            "--data-binary", "\"after\"", fixture.HttpsBase + Invocations]);
        Assert.True(run.ExitCode == 0, $"curl exit {run.ExitCode}: {run.Stderr}");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var refused = JsonNode.Parse(lines[0])!;
        Assert.Equal("413 2 1 RequestEntityTooLargeException", lines[1]);
        Assert.Equal("Request must be smaller than 6291456 bytes for the InvokeFunction operation", refused["Message"]!.GetValue<string>());
        Assert.Equal("\"after\"", lines[2]);
        Assert.Equal("200 2 0", lines[3]); // 0 new connections: the same HTTP/2 connection served it
    }

    [Fact]
    public async Task Bodies_waiting_for_the_body_budget_do_not_stall_the_other_streams_of_their_connection()
    {
        // Eight 5 MB invokes on one HTTP/2 connection: six fit the 32 MiB request-body budget, two wait with their
        // stream windows full. Before, the connection's window was four streams' worth, and two held-back windows were
        // enough for Kestrel never to reopen it: none of the eight finished (h2load, Node's http2).
        string file = Path.Combine(fixture.CertificateDirectory, "five-mb.json");
        await File.WriteAllTextAsync(file, "\"" + new string('b', 5 * 1024 * 1024) + "\"");
        var run = await Processes.RunAsync("timeout", ["50", "h2load", "-n", "8", "-c", "1", "-m", "8", "-d", file, fixture.HttpsBase + Invocations]);
        Assert.True(run.ExitCode == 0, $"h2load exit {run.ExitCode}: {run.Stdout} {run.Stderr}");
        Assert.Contains("8 done, 8 succeeded, 0 failed", run.Stdout);
        Assert.Contains("status codes: 8 2xx", run.Stdout);
    }

    [Fact]
    public async Task The_certificate_covers_function_url_hosts()
    {
        // *.lambda-url.us-east-1.localhost resolves to the gateway; curl verifies the name against the certificate
        // (exit 60 otherwise), whatever the gateway answers for an id it does not know.
        string host = "0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.localhost";
        var (_, version, _, _) = await CurlAsync("--http2", "--resolve", $"{host}:{fixture.HttpsPort}:127.0.0.1", $"https://{host}:{fixture.HttpsPort}/");
        Assert.Equal("2", version);
    }

    [Fact]
    public async Task A_function_url_created_over_https_is_served_over_http2()
    {
        var (status, _, created, _) = await CurlAsync("-X", "POST", "-H", "content-type: application/json", "--data", "{\"AuthType\":\"NONE\"}",
            fixture.HttpsBase + "/2021-10-31/functions/echo/url");
        Assert.Equal("201", status);
        var functionUrl = new Uri(JsonNode.Parse(created)!["FunctionUrl"]!.GetValue<string>());
        Assert.Equal(("https", fixture.HttpsPort), (functionUrl.Scheme, functionUrl.Port)); // the scheme and port it was asked on
        // The public permission a NONE URL needs (as on AWS), over HTTPS too.
        foreach (var grant in new[]
        {
            "{\"StatementId\":\"url\",\"Action\":\"lambda:InvokeFunctionUrl\",\"Principal\":\"*\",\"FunctionUrlAuthType\":\"NONE\"}",
            "{\"StatementId\":\"invoke\",\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"*\",\"InvokedViaFunctionUrl\":true}",
        })
        {
            var (grantStatus, _, _, _) = await CurlAsync("-X", "POST", "-H", "content-type: application/json", "--data", grant, fixture.HttpsBase + "/2015-03-31/functions/echo/policy");
            Assert.Equal("201", grantStatus);
        }

        // The Host form, the certificate verified against the URL's name; echo answers with the event it got.
        var (urlStatus, version, body, _) = await CurlAsync("--http2", "--resolve", $"{functionUrl.Host}:{fixture.HttpsPort}:127.0.0.1",
            "-H", "content-type: application/json", "--data", "{\"x\":1}", new Uri(functionUrl, "hello?a=1").ToString());
        Assert.Equal("200", urlStatus);
        Assert.Equal("2", version);
        var urlEvent = JsonNode.Parse(body)!;
        Assert.Equal("/hello", urlEvent["rawPath"]!.GetValue<string>());
        Assert.Equal("a=1", urlEvent["rawQueryString"]!.GetValue<string>());
        Assert.Equal("{\"x\":1}", urlEvent["body"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task The_aws_cli_invokes_over_https_with_its_ca_bundle(string binary)
    {
        using var cli = new AwsCli(binary);
        var run = await Processes.RunAsync(binary, ["--endpoint-url", $"https://localhost:{fixture.HttpsPort}", "--ca-bundle", fixture.Certificate,
            "lambda", "invoke", "--function-name", "echo", "--payload", "{\"cli\":\"https\"}", "out.json"], cli.Environment(), cli.Directory, 120_000);
        Assert.True(run.ExitCode == 0, $"{binary} exit {run.ExitCode}: {run.Stderr}");
        Assert.Equal(200, JsonNode.Parse(run.Stdout)!["StatusCode"]!.GetValue<int>());
        Assert.Equal("{\"cli\":\"https\"}", await File.ReadAllTextAsync(Path.Combine(cli.Directory, "out.json")));

        // Without trusting the certificate the CLI refuses the connection: the TLS is real.
        var untrusted = await Processes.RunAsync(binary, ["--endpoint-url", $"https://localhost:{fixture.HttpsPort}",
            "lambda", "get-function", "--function-name", "echo"], cli.Environment(), cli.Directory, 120_000);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("CERTIFICATE_VERIFY_FAILED", untrusted.Stderr);
    }

    [Theory]
    [InlineData("--https-certificate", "/nonexistent/cert.pem", "no such file '/nonexistent/cert.pem'")]
    [InlineData("--https-certificate-key", "/nonexistent/key.pem", "no such file '/nonexistent/key.pem'")]
    public async Task A_bad_certificate_path_stops_the_start_with_exit_code_2(string option, string path, string message)
    {
        var args = new List<string> { "--https", $"127.0.0.1:{GatewayProcess.FreePort()}", "--https-certificate", fixture.Certificate, "--https-certificate-key", fixture.Key };
        args[args.IndexOf(option) + 1] = path;
        var (exitCode, output) = await RunToExitAsync([.. args]);
        Assert.True(exitCode == 2, $"exit code {exitCode}, not 2:\n{output}");
        Assert.Contains($"gateway: {option}: {message}", output);
    }

    [Fact]
    public async Task A_file_that_is_not_a_certificate_stops_the_start_with_exit_code_2()
    {
        var (exitCode, output) = await RunToExitAsync("--https", $"127.0.0.1:{GatewayProcess.FreePort()}", "--https-certificate", fixture.Key);
        Assert.True(exitCode == 2, $"exit code {exitCode}, not 2:\n{output}");
        Assert.Contains($"gateway: --https-certificate: cannot load '{fixture.Key}'", output);
    }

    [Fact]
    public async Task Https_without_a_certificate_stops_the_start_with_exit_code_2()
    {
        var (exitCode, output) = await RunToExitAsync("--https", $"127.0.0.1:{GatewayProcess.FreePort()}");
        Assert.True(exitCode == 2, $"exit code {exitCode}, not 2:\n{output}");
        Assert.Contains("gateway: HTTPS needs a certificate: give --https-certificate FILE", output);
    }

    private static async Task<(int ExitCode, string Output)> RunToExitAsync(params string[] args)
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new JsonObject { ["Functions"] = new JsonArray(TestFunction.Sample("echo").ToJson()) }.ToJsonString());
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), args);
        await using var _ = gateway;
        await gateway.WaitForExitAsync();
        return (gateway.ExitCode, gateway.Output);
    }
}
