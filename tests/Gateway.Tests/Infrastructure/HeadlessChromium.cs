using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven over the Chrome DevTools protocol (a WebSocket from
/// <c>--remote-debugging-port</c>): a real browser that runs the page's script and its EventSource, read back with
/// <c>Runtime.evaluate</c>. The profile lives in a temporary folder deleted on dispose; the browser is closed through
/// the protocol, and killed if it does not exit.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <param name="arguments">More command-line switches (e.g. <c>--host-resolver-rules=MAP evil.test 127.0.0.1</c>).</param>
    public static async Task<HeadlessChromium> OpenAsync(Uri page, int width = 1400, int height = 1100, IEnumerable<string>? arguments = null)
    {
        var profile = Directory.CreateTempSubdirectory("gateway-chromium-").FullName;
        var start = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
            "--remote-debugging-port=0", $"--user-data-dir={profile}", $"--window-size={width},{height}", .. arguments ?? [], page.ToString(),
        ])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            // With port 0 Chromium picks a free port and writes it (and the browser's path) to DevToolsActivePort.
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            await Poll.UntilAsync(() => File.Exists(portFile) && File.ReadAllLines(portFile).Length >= 2, "chromium's DevToolsActivePort", 30_000);
            int port = int.Parse(File.ReadAllLines(portFile)[0], System.Globalization.CultureInfo.InvariantCulture);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string? target = null;
            await Poll.UntilAsync(async () =>
            {
                var list = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
                target = list.FirstOrDefault(t => t!["type"]!.GetValue<string>() == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
                return target is not null;
            }, "chromium's page target", 30_000);
            using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await browser._socket.ConnectAsync(new Uri(target!), connect.Token);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value (JSON-serialisable).</summary>
    /// <param name="awaitPromise">The expression is a promise: its settled value is returned.</param>
    public async Task<JsonNode?> EvaluateAsync(string expression, bool awaitPromise = false)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = awaitPromise });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException("The page threw: " + exception.ToJsonString());
        }
        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>A PNG of the page as rendered now.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    /// <summary>One protocol command and its answer (events that arrive meanwhile are skipped).</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var text = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException("chromium closed the DevTools connection");
                }
                text.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);
            var answer = JsonNode.Parse(text.ToArray())!;
            if (answer["id"]?.GetValue<int>() != id)
            {
                continue;
            }
            if (answer["error"] is { } error)
            {
                throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            }
            return answer["result"]!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await SendAsync("Browser.close", []).WithTimeout(5_000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or WebSocketException or TimeoutException or OperationCanceledException)
        {
            // killed below
        }
        _socket.Dispose();
        if (!_process.WaitForExit(5_000))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5_000);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // a child still writing its profile: the temp folder is cleaned by the system
        }
    }
}
