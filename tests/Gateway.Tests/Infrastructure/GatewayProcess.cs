using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A real gateway: the published native binary, started on a free loopback port with its own data folder and
/// functions file, ready once every pre-forked environment is idle. Disposing stops it with SIGTERM and checks
/// it left no worker process and no socket file behind.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _root;

    private GatewayProcess(Process process, string root, Uri baseAddress)
    {
        _process = process;
        _root = root;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    public string FunctionsFile => Path.Combine(_root, "functions.json");

    public int Pid => _process.Id;

    /// <summary>Environments run in a mount namespace each (Lambda's paths: /var/task, /tmp …), as the start line says.</summary>
    public bool InMountNamespace => Output.Contains("[gateway] filesystem: a mount namespace per environment", StringComparison.Ordinal);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the gateway printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<GatewayProcess> StartAsync(IEnumerable<TestFunction> functions, params string[] extraArgs)
    {
        var file = new JsonObject { ["Functions"] = new JsonArray(functions.Select(f => (JsonNode)f.ToJson()).ToArray()) };
        return StartWithFunctionsFileAsync(file.ToJsonString(), extraArgs);
    }

    /// <summary>Starts a gateway on a functions file given as text, and waits until its pre-forked environments are idle.</summary>
    public static Task<GatewayProcess> StartWithFunctionsFileAsync(string functionsJson, params string[] extraArgs)
        => StartWithFunctionsFileAsync(functionsJson, environment: null, extraArgs);

    /// <summary>As <see cref="StartAsync(IEnumerable{TestFunction}, string[])"/>, with some of the gateway's own
    /// environment variables replaced (a null value removes one).</summary>
    public static Task<GatewayProcess> StartWithEnvironmentAsync(IEnumerable<TestFunction> functions, IReadOnlyDictionary<string, string?> environment)
    {
        var file = new JsonObject { ["Functions"] = new JsonArray(functions.Select(f => (JsonNode)f.ToJson()).ToArray()) };
        return StartWithFunctionsFileAsync(file.ToJsonString(), environment);
    }

    /// <summary>As <see cref="StartWithEnvironmentAsync"/>, with command-line options too.</summary>
    public static Task<GatewayProcess> StartAsync(IEnumerable<TestFunction> functions, IReadOnlyDictionary<string, string?> environment, params string[] extraArgs)
    {
        var file = new JsonObject { ["Functions"] = new JsonArray(functions.Select(f => (JsonNode)f.ToJson()).ToArray()) };
        return StartWithFunctionsFileAsync(file.ToJsonString(), environment, extraArgs);
    }

    private static async Task<GatewayProcess> StartWithFunctionsFileAsync(string functionsJson, IReadOnlyDictionary<string, string?>? environment, params string[] extraArgs)
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), functionsJson);
        var gateway = Launch(root, FreePort(), environment, extraArgs);
        try
        {
            await gateway.WaitUntilWarmAsync();
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
        return gateway;
    }

    /// <summary>Starts the binary without waiting for readiness (for tests of refused configurations).</summary>
    public static GatewayProcess Launch(string root, int port, params string[] extraArgs) => Launch(root, port, environment: null, extraArgs);

    /// <summary>As <see cref="Launch(string, int, string[])"/>, with some of the gateway's environment variables replaced (a null value removes one).</summary>
    public static GatewayProcess Launch(string root, int port, IReadOnlyDictionary<string, string?>? environment, string[] extraArgs)
    {
        var info = new ProcessStartInfo(TestPaths.GatewayBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }
        foreach (var arg in new[] { "--urls", $"http://127.0.0.1:{port}", "--data", Path.Combine(root, "data"), "--functions", Path.Combine(root, "functions.json") }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }
        // GATEWAY_TEST_RUNTIME_API_SERVER=kestrel runs any of these tests against Kestrel serving the Runtime API
        // (--runtime-api-server, issue 15's A/B); a test that chooses its server itself keeps its choice.
        if (Environment.GetEnvironmentVariable("GATEWAY_TEST_RUNTIME_API_SERVER") is { Length: > 0 } server && !extraArgs.Contains("--runtime-api-server"))
        {
            info.ArgumentList.Add("--runtime-api-server");
            info.ArgumentList.Add(server);
        }
        var process = new Process { StartInfo = info };
        var gateway = new GatewayProcess(process, root, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => gateway.Append(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>Restarts a stopped gateway on the same data folder and functions (for crash-recovery tests).</summary>
    public static async Task<GatewayProcess> RestartAsync(GatewayProcess previous, params string[] extraArgs)
    {
        var gateway = Launch(previous._root, FreePort(), extraArgs);
        await StopIfThrowsAsync(gateway, gateway.WaitUntilWarmAsync);
        return gateway;
    }

    /// <summary>A gateway that never became ready is stopped, so a failed test leaves no process behind.</summary>
    private static async Task StopIfThrowsAsync(GatewayProcess gateway, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch
        {
            gateway.Kill();
            gateway.Client.Dispose();
            throw;
        }
    }

    /// <summary>Restarts on the same data and waits only until it answers (its environments may be busy with resumed events).</summary>
    public static async Task<GatewayProcess> RestartListeningAsync(GatewayProcess previous, params string[] extraArgs)
    {
        var gateway = Launch(previous._root, FreePort(), extraArgs);
        await StopIfThrowsAsync(gateway, () => Poll.UntilAsync(async () =>
        {
            if (gateway._process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with code {gateway._process.ExitCode}:\n{gateway.Output}");
            }
            try
            {
                await gateway.StatusAsync();
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the restarted gateway to listen"));
        return gateway;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async Task WaitUntilWarmAsync()
    {
        await Poll.UntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                var status = await StatusAsync();
                return status["functions"]!.AsArray().All(f => f!["idleEnvironments"]!.GetValue<int>() >= f["provisionedEnvironments"]!.GetValue<int>());
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the gateway to listen with every pre-forked environment idle");
    }

    public async Task<JsonNode> StatusAsync()
    {
        var json = await Client.GetStringAsync("/_gateway/status").WithTimeout(10_000);
        return JsonNode.Parse(json)!;
    }

    /// <summary>One sample from GET /metrics, e.g. <c>MetricAsync("lambda_invocations_total", "echo")</c>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string name, string? function = null)
    {
        var text = await Client.GetStringAsync("/metrics").WithTimeout(10_000);
        var prefix = function is null ? name + " " : $"{name}{{function=\"{function}\"}} ";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int[]> WorkerPidsAsync(string function)
    {
        var status = await StatusAsync();
        var entry = status["functions"]!.AsArray().First(f => f!["functionName"]!.GetValue<string>() == function)!;
        return entry["workerPids"]!.AsArray().Select(p => p!.GetValue<int>()).ToArray();
    }

    public async Task<int[]> AllWorkerPidsAsync()
    {
        var status = await StatusAsync();
        return status["functions"]!.AsArray().SelectMany(f => f!["workerPids"]!.AsArray().Select(p => p!.GetValue<int>())).ToArray();
    }

    public Task<HttpResponseMessage> InvokeAsync(string function, string payload, string? invocationType = null, string? logType = null, string? query = null)
        => InvokeAsync(function, Encoding.UTF8.GetBytes(payload), invocationType, logType, query);

    public async Task<HttpResponseMessage> InvokeAsync(string function, byte[] payload, string? invocationType = null, string? logType = null, string? query = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/2015-03-31/functions/{Uri.EscapeDataString(function)}/invocations{query}")
        {
            Content = new ByteArrayContent(payload),
        };
        if (invocationType is not null)
        {
            request.Headers.Add("X-Amz-Invocation-Type", invocationType);
        }
        if (logType is not null)
        {
            request.Headers.Add("X-Amz-Log-Type", logType);
        }
        configure?.Invoke(request);
        return await Client.SendAsync(request).WithTimeout(90_000);
    }

    /// <summary>All log stream files of a function, concatenated.</summary>
    public string ReadLogs(string function)
    {
        var dir = Path.Combine(DataDirectory, "logs", function);
        if (!Directory.Exists(dir))
        {
            return "";
        }
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(dir, "*.log").Order())
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }

    /// <summary>Waits until the function's log files contain <paramref name="text"/> (logs are flushed every 200 ms).</summary>
    public async Task<string> WaitForLogAsync(string function, string text)
    {
        string logs = "";
        await Poll.UntilAsync(() => (logs = ReadLogs(function)).Contains(text, StringComparison.Ordinal), $"'{text}' in the logs of {function}");
        return logs;
    }

    /// <summary>Waits until the gateway has printed <paramref name="text"/> (its output is read on another thread).</summary>
    public Task WaitForOutputAsync(string text)
        => Poll.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal), $"'{text}' in the gateway's output");

    /// <summary>SIGTERM, then wait for a clean exit.</summary>
    public async Task<int> StopAsync(int timeoutMs = 15_000)
    {
        if (!_process.HasExited)
        {
            Processes.Signal(_process.Id, Processes.SIGTERM);
        }
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The gateway did not stop within {timeoutMs} ms of SIGTERM.\n{Output}");
        }
        return _process.ExitCode;
    }

    public void Kill() => Processes.Signal(_process.Id, Processes.SIGKILL);

    /// <summary>For a gateway that exits by itself: waits for the exit and for the last of its output to be read.</summary>
    public async Task WaitForExitAsync(int timeoutMs = 20_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        await _process.WaitForExitAsync(cts.Token); // also waits for the redirected output to reach its end
    }

    public async ValueTask DisposeAsync()
    {
        int[] workers = [];
        long outstanding = 0;
        string? leak = null;
        try
        {
            if (!_process.HasExited)
            {
                workers = await AllWorkerPidsAsync();
                // Every invocation object goes back to its pool exactly once: none may be left out when idle.
                await Poll.UntilAsync(async () => (outstanding = (await StatusAsync())["invocationsOutstanding"]!.GetValue<long>()) == 0,
                    "every invocation to be returned to the pool", 10_000);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
        }
        catch (TimeoutException) when (outstanding != 0)
        {
            leak = $"{outstanding} invocation(s) were never returned to the pool.\n{Output}";
        }
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync();
            }
            await Poll.UntilAsync(() => workers.All(pid => !Processes.IsAlive(pid)), "every worker to exit with the gateway", 10_000);
        }
        finally
        {
            foreach (var pid in workers.Where(Processes.IsAlive))
            {
                Processes.Signal(pid, Processes.SIGKILL);
            }
            Client.Dispose();
            _process.Dispose();
            TestMounts.RemoveUnder(_root); // a gateway killed with SIGKILL left its environments' /tmp mounts
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        if (leak is not null)
        {
            throw new InvalidOperationException(leak);
        }
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return JsonDocument.Parse(bytes).RootElement.Clone();
    }
}
