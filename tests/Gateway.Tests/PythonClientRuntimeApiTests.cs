namespace Gateway.Tests;

/// <summary>
/// Custom runtimes written with Python's standard library, as blog posts and tutorials write them: urllib.request
/// (which sends Connection: close on every request) and http.client (which writes a whole body before it reads the
/// reply). Each must keep one environment warm across invocations, as on AWS.
/// </summary>
public class PythonClientRuntimeApiTests : IAsyncLifetime
{
    /// <summary>urlopen for /next and for the POST: the 202 must arrive before the server closes.</summary>
    private const string UrllibBootstrap = """
        #!/usr/bin/env python3
        import os, json, urllib.request
        api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
        posted = []
        while True:
            with urllib.request.urlopen(api + "/invocation/next") as r:
                rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
                event = json.loads(r.read())
            body = json.dumps({"echo": event, "posted": posted, "pid": os.getpid()}).encode()
            req = urllib.request.Request(api + f"/invocation/{rid}/response", data=body, method="POST")
            with urllib.request.urlopen(req) as r:
                posted.append(r.status)
        """;

    /// <summary>One kept-alive http.client connection; an event {"size": n} is answered with n bytes, and the reply the
    /// runtime got is shown in its next answer.</summary>
    private const string HttpClientBootstrap = """
        #!/usr/bin/env python3
        import os, json, http.client
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port))
        base = "/2018-06-01/runtime/invocation/"
        last = None
        while True:
            conn.request("GET", base + "next")
            r = conn.getresponse()
            rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
            event = json.loads(r.read())
            if "size" in event:
                body = b"x" * event["size"]
            else:
                body = json.dumps({"last": last, "pid": os.getpid()}).encode()
            conn.request("POST", base + rid + "/response", body)
            r = conn.getresponse()
            last = {"status": r.status, "body": r.read().decode()}
        """;

    /// <summary>More gateway arguments: <see cref="KestrelPythonClientRuntimeApiTests"/> runs the same on Kestrel.</summary>
    protected virtual string[] GatewayArgs => [];

    private string _code = "";
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _code = Directory.CreateTempSubdirectory("python-client-runtimes-").FullName;
        File.SetUnixFileMode(_code, (UnixFileMode)0b111_101_101);
        var urllib = await WriteBootstrapAsync("urllib", UrllibBootstrap);
        var httpClient = await WriteBootstrapAsync("httpclient", HttpClientBootstrap);
        _gateway = await GatewayProcess.StartAsync(
        [
            new TestFunction("py-urllib", urllib, "handler") { Provisioned = 0, MaxEnvironments = 1, Timeout = 10 },
            new TestFunction("py-httpclient", httpClient, "handler") { Provisioned = 0, MaxEnvironments = 1, Timeout = 10 },
        ], GatewayArgs);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_code, recursive: true);
    }

    private async Task<string> WriteBootstrapAsync(string name, string script)
    {
        var directory = Path.Combine(_code, name);
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var bootstrap = Path.Combine(directory, "bootstrap");
        await File.WriteAllTextAsync(bootstrap, script + "\n");
        File.SetUnixFileMode(bootstrap, (UnixFileMode)0b111_101_101);
        return directory;
    }

    private static string Tail(HttpResponseMessage response)
        => Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single()));

    [Fact]
    public async Task A_urllib_runtime_gets_its_202_and_stays_warm()
    {
        using var cold = await _gateway.InvokeAsync("py-urllib", """{"i":1}""", logType: "Tail");
        using var warm = await _gateway.InvokeAsync("py-urllib", """{"i":2}""", logType: "Tail");

        var first = await GatewayProcess.ReadJsonAsync(cold);
        var second = await GatewayProcess.ReadJsonAsync(warm);
        Assert.Equal(1, first.GetProperty("echo").GetProperty("i").GetInt32());
        Assert.Equal(2, second.GetProperty("echo").GetProperty("i").GetInt32());
        // The first post's 202 reached the runtime, and the same process answered the second.
        Assert.Equal("[202]", second.GetProperty("posted").GetRawText());
        Assert.Equal(first.GetProperty("pid").GetInt32(), second.GetProperty("pid").GetInt32());
        Assert.Contains("Init Duration", Tail(cold));
        Assert.DoesNotContain("Init Duration", Tail(warm));
        Assert.DoesNotContain("Traceback", Tail(warm));
        var logs = await _gateway.WaitForLogAsync("py-urllib", "REPORT RequestId: " + warm.Headers.GetValues("x-amzn-RequestId").Single());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(logs, "INIT_START"));
        Assert.DoesNotContain("Traceback", logs);
    }

    [Fact]
    public async Task An_http_client_runtime_that_posts_too_much_gets_the_413_and_stays_warm()
    {
        using var cold = await _gateway.InvokeAsync("py-httpclient", """{"size":6291557}""", logType: "Tail");
        using var warm = await _gateway.InvokeAsync("py-httpclient", "{}", logType: "Tail");

        Assert.Equal("Unhandled", cold.Headers.GetValues("X-Amz-Function-Error").Single());
        Assert.Equal("""{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}""", await cold.Content.ReadAsStringAsync());
        var next = await GatewayProcess.ReadJsonAsync(warm);
        var last = next.GetProperty("last");
        Assert.Equal(413, last.GetProperty("status").GetInt32());
        Assert.Equal("""{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}""", last.GetProperty("body").GetString());
        Assert.Contains("Init Duration", Tail(cold));
        Assert.DoesNotContain("Init Duration", Tail(warm));
        var logs = await _gateway.WaitForLogAsync("py-httpclient", "REPORT RequestId: " + warm.Headers.GetValues("x-amzn-RequestId").Single());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(logs, "INIT_START"));
        Assert.DoesNotContain("Traceback", logs);
    }
}

/// <summary>The same Python runtimes on --runtime-api-server kestrel.</summary>
public sealed class KestrelPythonClientRuntimeApiTests : PythonClientRuntimeApiTests
{
    protected override string[] GatewayArgs => ["--runtime-api-server", "kestrel"];
}
