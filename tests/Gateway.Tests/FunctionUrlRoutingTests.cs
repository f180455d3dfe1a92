using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The front door's routing against the native binary, with curl: the FunctionUrl the API answers used as it is
/// (<c>*.localhost</c> is loopback), the Host header, <c>--resolve</c>, and the path form; each reaches the URL's
/// function with the right <c>rawPath</c>. The function is the C# echo sample: it returns the event it got, and a JSON
/// answer without statusCode is the response body as it is, so the test reads back the event the gateway built.
/// </summary>
public sealed class FunctionUrlRoutingTests : IAsyncLifetime
{
    private GatewayProcess _gateway = null!;
    private string _id = "";
    private string _functionUrl = "";

    private string Domain => $"{_id}.lambda-url.us-east-1.localhost";

    private int Port => _gateway.BaseAddress.Port;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")]);
        var created = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/echo/url", new JsonObject { ["AuthType"] = "NONE" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("echo");
        _functionUrl = created["FunctionUrl"]!.GetValue<string>();
        _id = new Uri(_functionUrl).Host.Split('.')[0];
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>curl's status line and body; the body parsed as the event the function echoed.</summary>
    private static async Task<(int Status, JsonElement Event)> CurlAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Processes.RunAsync("curl", ["-sS", "--max-time", "30", "-w", "\n%{http_code}", .. args]);
        Assert.True(exit == 0, stderr);
        int newline = stdout.LastIndexOf('\n');
        int status = int.Parse(stdout[(newline + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        string body = stdout[..newline];
        Assert.True(status == 200, $"{status}: {body}");
        return (status, JsonDocument.Parse(body).RootElement.Clone());
    }

    private void AssertEvent(JsonElement @event, string rawPath, string rawQueryString)
    {
        Assert.Equal("2.0", @event.GetProperty("version").GetString());
        Assert.Equal(rawPath, @event.GetProperty("rawPath").GetString());
        Assert.Equal(rawQueryString, @event.GetProperty("rawQueryString").GetString());
        var context = @event.GetProperty("requestContext");
        Assert.Equal(Domain, context.GetProperty("domainName").GetString());
        Assert.Equal(_id, context.GetProperty("domainPrefix").GetString());
    }

    [Fact]
    public async Task The_FunctionUrl_works_as_the_API_answered_it()
    {
        Assert.Equal($"http://{Domain}:{Port}/", _functionUrl);
        var (_, @event) = await CurlAsync(_functionUrl + "hello/world?x=1&y=2");
        AssertEvent(@event, "/hello/world", "x=1&y=2");
    }

    [Fact]
    public async Task The_Host_header_routes_a_request_sent_to_the_gateways_address()
    {
        var (_, @event) = await CurlAsync("-H", $"Host: {Domain}", $"http://127.0.0.1:{Port}/via/host?q=v");
        AssertEvent(@event, "/via/host", "q=v");
        // Host names are case-insensitive; a port in Host is fine.
        (_, @event) = await CurlAsync("-H", $"Host: {Domain.ToUpperInvariant()}:{Port}", $"http://127.0.0.1:{Port}/");
        AssertEvent(@event, "/", "");
    }

    [Fact]
    public async Task Resolve_routes_by_name_and_the_path_stays_raw()
    {
        var (_, @event) = await CurlAsync("--resolve", $"{Domain}:{Port}:127.0.0.1", $"http://{Domain}:{Port}/a%20b/c?z=%3D");
        AssertEvent(@event, "/a%20b/c", "z=%3D");
    }

    [Fact]
    public async Task The_path_form_gives_the_function_what_follows_the_id()
    {
        var (_, @event) = await CurlAsync($"http://127.0.0.1:{Port}/_url/{_id}/deep/path?k=1");
        AssertEvent(@event, "/deep/path", "k=1");
        (_, @event) = await CurlAsync($"http://127.0.0.1:{Port}/_url/{_id}");
        AssertEvent(@event, "/", "");
        (_, @event) = await CurlAsync($"http://127.0.0.1:{Port}/_url/{_id}/?only=query");
        AssertEvent(@event, "/", "only=query");
    }

    [Fact]
    public async Task A_url_host_owns_every_path_even_the_Invoke_APIs()
    {
        var (_, @event) = await CurlAsync("-H", $"Host: {Domain}", "-X", "POST", "--data-binary", "{}", $"http://127.0.0.1:{Port}/2015-03-31/functions/echo/invocations");
        AssertEvent(@event, "/2015-03-31/functions/echo/invocations", "");
        Assert.Equal("POST", @event.GetProperty("requestContext").GetProperty("http").GetProperty("method").GetString());
    }

    [Fact]
    public async Task A_url_on_an_alias_and_a_url_after_a_restart_still_route()
    {
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/echo/versions", new JsonObject(), HttpStatusCode.Created);
        await _gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/echo/aliases", new JsonObject { ["Name"] = "live", ["FunctionVersion"] = "1" }, HttpStatusCode.Created);
        var alias = await _gateway.SendAsync(HttpMethod.Post, "/2021-10-31/functions/echo/url?Qualifier=live", new JsonObject { ["AuthType"] = "NONE" }, HttpStatusCode.Created);
        await _gateway.AllowPublicUrlAsync("echo", "live"); // an alias's URL needs the alias's own permission
        string aliasId = new Uri(alias["FunctionUrl"]!.GetValue<string>()).Host.Split('.')[0];
        var (_, @event) = await CurlAsync($"http://127.0.0.1:{Port}/_url/{aliasId}/on-alias");
        Assert.Equal("/on-alias", @event.GetProperty("rawPath").GetString());

        await _gateway.StopAsync();
        await using var restarted = await GatewayProcess.RestartAsync(_gateway);
        int port = restarted.BaseAddress.Port;
        (_, @event) = await CurlAsync("-H", $"Host: {Domain}", $"http://127.0.0.1:{port}/after/restart");
        Assert.Equal("/after/restart", @event.GetProperty("rawPath").GetString());
        (_, @event) = await CurlAsync($"http://127.0.0.1:{port}/_url/{aliasId}/alias/after/restart");
        Assert.Equal("/alias/after/restart", @event.GetProperty("rawPath").GetString());
    }
}
