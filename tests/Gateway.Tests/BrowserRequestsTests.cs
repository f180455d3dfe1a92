using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Web pages and the gateway's own API (Security/BrowserRequests.cs), in a real browser: with <c>--auth none</c> a page
/// from another origin cannot create or run functions (a <c>no-cors</c> POST is sent without a preflight), a
/// DNS-rebinding page cannot read the API under its own host name, and a page on a loopback origin (a local web app
/// using the API) gets CORS. Headless Chromium maps the foreign name <c>evil.test</c> to 127.0.0.1.
/// </summary>
public sealed class BrowserRequestsTests
{
    [Fact]
    public async Task A_page_from_another_origin_cannot_run_a_function_and_a_loopback_page_can_read_its_answer()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 0 }]);
        using var pages = new BlankPages();
        string invoke = new Uri(gateway.BaseAddress, "/2015-03-31/functions/echo/invocations").ToString();

        // A foreign page's "simple" POST: the browser sends it, the gateway refuses it, the function never runs.
        await using (var browser = await HeadlessChromium.OpenAsync(new Uri($"http://evil.test:{pages.Port}/"), arguments: ["--host-resolver-rules=MAP evil.test 127.0.0.1"]))
        {
            await WaitForBlankPageAsync(browser);
            var sent = await browser.EvaluateAsync($$"""
                fetch("{{invoke}}", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: '{"csrf":1}' })
                  .then(() => "sent", e => "failed: " + e)
                """, awaitPromise: true);
            Assert.Equal("sent", sent?.GetValue<string>());
        }
        using (var direct = await gateway.InvokeAsync("echo", "{}"u8.ToArray(), configure: r => r.Headers.Add("Origin", "http://evil.test")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, direct.StatusCode);
            Assert.Equal("AccessDeniedException", direct.Headers.GetValues("x-amzn-ErrorType").Single());
            Assert.Contains("http://evil.test", await direct.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("START RequestId", gateway.ReadLogs("echo"), StringComparison.Ordinal);

        // A page on a loopback origin (a local web app on another port): the preflight and the invoke pass, and it
        // reads the answer and Lambda's headers through CORS.
        await using (var browser = await HeadlessChromium.OpenAsync(new Uri($"http://127.0.0.1:{pages.Port}/")))
        {
            await WaitForBlankPageAsync(browser);
            var read = (JsonObject)(await browser.EvaluateAsync($$"""
                fetch("{{invoke}}", { method: "POST", headers: { "content-type": "application/json", "x-amz-log-type": "None" }, body: '{"from":"page"}' })
                  .then(async r => ({ status: r.status, body: await r.text(), requestId: r.headers.get("x-amzn-RequestId"), version: r.headers.get("X-Amz-Executed-Version") }),
                        e => ({ error: String(e) }))
                """, awaitPromise: true))!;
            Assert.True(read["status"] is not null, read.ToJsonString());
            Assert.Equal(200, read["status"]!.GetValue<int>());
            Assert.Contains("\"from\":\"page\"", read["body"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(read["requestId"]?.GetValue<string>()), read.ToJsonString());
            Assert.Equal("$LATEST", read["version"]?.GetValue<string>());
        }
        Assert.Contains("START RequestId", gateway.ReadLogs("echo"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DNS_rebinding_page_cannot_read_the_API_under_its_own_host_name()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 0 }]);

        // evil.test resolves to the gateway: the page is "same-origin" with the API, under the attacker's name.
        await using var browser = await HeadlessChromium.OpenAsync(new Uri($"http://evil.test:{gateway.BaseAddress.Port}/_gateway/"),
            arguments: ["--host-resolver-rules=MAP evil.test 127.0.0.1"]);
        string host = $"evil.test:{gateway.BaseAddress.Port}";
        await Poll.UntilAsync(async () => (await browser.EvaluateAsync("document.readyState + ' ' + location.host"))?.GetValue<string>() == "complete " + host,
            "the page under evil.test", 20_000);
        var status = await browser.EvaluateAsync("""fetch("/2015-03-31/functions/").then(r => String(r.status), e => String(e))""", awaitPromise: true);

        Assert.Equal("403", status?.GetValue<string>());
        // The same list through 127.0.0.1 (an IP host no rebinding can take) is served.
        using var list = await gateway.Client.GetAsync("/2015-03-31/functions/");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task Function_URL_pages_cross_site_no_cors_GETs_and_browser_GETs_under_a_DNS_name_are_refused()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 0 }]);

        async Task<HttpStatusCode> GetAsync(Action<HttpRequestMessage> configure)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/2015-03-31/functions/");
            configure(request);
            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }

        // What a function URL serves is not a loopback page, though its host ends in .localhost.
        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(r => r.Headers.Add("Origin", "http://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.localhost:9000")));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(r => r.Headers.Add("Origin", "http://app.localhost:3000")));
        // An <img> or no-cors fetch from another site carries no Origin, but says it is cross-site and not a navigation.
        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(r => { r.Headers.Add("Sec-Fetch-Site", "cross-site"); r.Headers.Add("Sec-Fetch-Mode", "no-cors"); }));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(r => { r.Headers.Add("Sec-Fetch-Site", "cross-site"); r.Headers.Add("Sec-Fetch-Mode", "navigate"); }));
        // Under a DNS name: a browser's GET (Accept-Language, which a page cannot remove) is refused; an SDK's is not,
        // even with a browser-like User-Agent (PowerShell's).
        Assert.Equal(HttpStatusCode.Forbidden, await GetAsync(r => { r.Headers.Host = "rebound.example.com"; r.Headers.Add("Accept-Language", "en"); }));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(r => { r.Headers.Host = "gateway.internal"; r.Headers.UserAgent.ParseAdd("Mozilla/5.0 (Windows NT; Windows NT 10.0) WindowsPowerShell/5.1"); }));
    }

    [Fact]
    public async Task With_SigV4_any_origin_gets_its_unsigned_preflight_answered()
    {
        var credentials = Path.Combine(Path.GetTempPath(), "gateway-browser-credentials-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(credentials, "[tester]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n");
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new JsonObject { ["Functions"] = new JsonArray(TestFunction.Sample("echo").ToJson()) }.ToJsonString());
        try
        {
            await using var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), null, ["--auth", "sigv4", "--credentials", credentials]);
            // Listening once an unsigned request is refused (no unauthenticated endpoint to poll; SigV4Tests does the same).
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    return (await gateway.Client.GetAsync("/_gateway/status")).StatusCode == HttpStatusCode.Forbidden;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "the gateway to listen", 30_000);
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/2015-03-31/functions/echo/invocations");
            preflight.Headers.Add("Origin", "https://console.example.org");
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,x-amz-date,x-amz-content-sha256");
            using var answer = await gateway.Client.SendAsync(preflight);

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("https://console.example.org", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Equal("authorization,x-amz-date,x-amz-content-sha256", answer.Headers.GetValues("Access-Control-Allow-Headers").Single());

            // The request itself is still verified: unsigned, it is refused, with the CORS header so the page reads why.
            using var unsigned = await gateway.InvokeAsync("echo", "{}"u8.ToArray(), configure: r => r.Headers.Add("Origin", "https://console.example.org"));
            Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
            Assert.Equal("https://console.example.org", unsigned.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        finally
        {
            File.Delete(credentials);
        }
    }

    [Fact]
    public async Task Listed_origins_are_served_and_an_SDK_request_without_Origin_is_never_affected()
    {
        // Listed with its default port: browsers send https://app.example.com, which matches.
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo") with { Provisioned = 0 }],
            "--browser-origins", "https://app.example.com:443");

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/2015-03-31/functions/echo/invocations");
        preflight.Headers.Add("Origin", "https://app.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-amz-invocation-type");
        using (var answer = await gateway.Client.SendAsync(preflight))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("https://app.example.com", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("POST", answer.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
            Assert.Equal("content-type,x-amz-invocation-type", answer.Headers.GetValues("Access-Control-Allow-Headers").Single());
        }
        using (var listed = await gateway.InvokeAsync("echo", "{}"u8.ToArray(), configure: r => r.Headers.Add("Origin", "https://app.example.com")))
        {
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
            Assert.Equal("https://app.example.com", listed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
        using (var other = await gateway.InvokeAsync("echo", "{}"u8.ToArray(), configure: r => r.Headers.Add("Origin", "https://other.example.com")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        using (var sdk = await gateway.InvokeAsync("echo", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, sdk.StatusCode);
            Assert.False(sdk.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Fact]
    public async Task An_origin_that_is_not_an_origin_is_refused_at_start()
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new JsonObject { ["Functions"] = new JsonArray(TestFunction.Sample("echo").ToJson()) }.ToJsonString());
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), null, ["--browser-origins", "https://app.example.com/path"]);
        await using var _ = gateway; // deletes root
        await gateway.WaitForExitAsync();

        Assert.NotEqual(0, gateway.ExitCode);
        Assert.Contains("--browser-origins: 'https://app.example.com/path' is not an origin", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Until the test page (not a browser error page) has loaded.</summary>
    private static Task WaitForBlankPageAsync(HeadlessChromium browser) => Poll.UntilAsync(
        async () => (await browser.EvaluateAsync("document.readyState + ' ' + (document.body ? document.body.textContent : '')"))?.GetValue<string>() == "complete blank",
        "the blank page", 20_000);

    /// <summary>An empty HTML page on every host name at a free port: the origin a test's browser runs its script in.</summary>
    private sealed class BlankPages : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public BlankPages()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            _listener.Prefixes.Add($"http://*:{Port}/");
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public int Port { get; }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var page = "<!doctype html><html><head><link rel=\"icon\" href=\"data:,\"></head><body>blank</body></html>"u8.ToArray();
                context.Response.ContentType = "text/html";
                context.Response.ContentLength64 = page.Length;
                await context.Response.OutputStream.WriteAsync(page);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _serving.Wait(5_000);
        }
    }
}
