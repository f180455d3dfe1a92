using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Tests;

/// <summary>What a function sees of its execution environment, and the log stream around each invocation.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed partial class ExecutionEnvironmentTests(SharedGateway shared)
{
    private GatewayProcess Gateway => shared.Gateway;

    [Fact]
    public async Task A_worker_gets_Lambdas_environment_variables_and_its_own()
    {
        using var response = await Gateway.InvokeAsync("env", "{}");
        var env = await GatewayProcess.ReadJsonAsync(response);
        string Var(string name) => env.GetProperty(name).GetString()!;

        Assert.Equal("env", Var("_HANDLER"));
        Assert.Equal("env", Var("AWS_LAMBDA_FUNCTION_NAME"));
        Assert.Equal("256", Var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));
        Assert.Equal("$LATEST", Var("AWS_LAMBDA_FUNCTION_VERSION"));
        Assert.Equal("us-east-1", Var("AWS_REGION"));
        Assert.Equal("us-east-1", Var("AWS_DEFAULT_REGION"));
        Assert.Equal("/aws/lambda/env", Var("AWS_LAMBDA_LOG_GROUP_NAME"));
        Assert.Matches(@"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$", Var("AWS_LAMBDA_LOG_STREAM_NAME"));
        Assert.Equal("provisioned-concurrency", Var("AWS_LAMBDA_INITIALIZATION_TYPE"));
        // Lambda's path in a mount namespace; the code folder itself without one (--sandbox none).
        var taskRoot = Gateway.InMountNamespace ? "/var/task" : TestPaths.SamplesDirectory;
        Assert.Equal(taskRoot, Var("LAMBDA_TASK_ROOT"));
        Assert.Equal(taskRoot, Var("cwd"));
        Assert.Matches(@"^127\.0\.0\.1:\d+$", Var("AWS_LAMBDA_RUNTIME_API"));
        Assert.EndsWith(".sock", Var("GATEWAY_RUNTIME_API_SOCKET"));
        Assert.Equal("forty-two", Var("MY_SETTING"));
        Assert.Equal("Europe/Paris", Var("TZ")); // TZ is not reserved: a function may set it
        Assert.False(string.IsNullOrEmpty(Var("AWS_ACCESS_KEY_ID")));
        Assert.Equal("en_US.UTF-8", Var("LANG"));
        Assert.Equal("LOG_ERROR", Var("AWS_XRAY_CONTEXT_MISSING"));
        // AWS's documented order: the runtime's libraries, the function's, then the layers'.
        var runtimeDir = Var("LAMBDA_RUNTIME_DIR");
        Assert.StartsWith($"/lib64:/usr/lib64:{runtimeDir}:{runtimeDir}/lib:{taskRoot}:{taskRoot}/lib:", Var("LD_LIBRARY_PATH"));
        Assert.EndsWith("/lib", Var("LD_LIBRARY_PATH"));

        // A private temporary folder per environment: its own /tmp in a namespace, else a folder of the data folder.
        var tmp = Var("TMPDIR");
        if (Gateway.InMountNamespace)
        {
            Assert.Equal("/tmp", tmp);
        }
        else
        {
            Assert.StartsWith(Gateway.DataDirectory, tmp);
            Assert.True(Directory.Exists(tmp));
        }

        // Nothing leaks in from the gateway's own environment.
        Assert.False(env.TryGetProperty("HOME", out _) && env.GetProperty("HOME").GetString() == Environment.GetEnvironmentVariable("HOME") && Environment.GetEnvironmentVariable("HOME") is not null);
    }

    [Fact]
    public async Task Each_environment_has_its_own_socket_and_temporary_folder()
    {
        // Two concurrent invocations need two environments (one invocation at a time each).
        var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Gateway.InvokeAsync("sleep", """{"ms":300}""")).ToArray());
        Assert.All(responses, r => Assert.Equal("""{"sleptMs":300}""", r.Content.ReadAsStringAsync().Result));

        var pids = await Gateway.WorkerPidsAsync("sleep");
        Assert.True(pids.Length >= 2);
        Assert.Equal(pids.Length, pids.Select(pid => Processes.EnvironmentVariable(pid, "GATEWAY_RUNTIME_API_SOCKET")).Distinct().Count());
        Assert.Equal(pids.Length, pids.Select(pid => Processes.EnvironmentVariable(pid, "AWS_LAMBDA_RUNTIME_API")).Distinct().Count());
        // In namespaces every TMPDIR is /tmp, each its own (SandboxTests proves they are apart).
        Assert.Equal(Gateway.InMountNamespace ? 1 : pids.Length, pids.Select(pid => Processes.EnvironmentVariable(pid, "TMPDIR")).Distinct().Count());
    }

    [Fact]
    public async Task The_log_stream_frames_each_invocation_with_START_END_REPORT()
    {
        using var response = await Gateway.InvokeAsync("log", """{"lines":2,"bytes":5}""");
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();

        var logs = await Gateway.WaitForLogAsync("log", $"REPORT RequestId: {requestId}");

        var lines = logs.Split('\n');
        int start = Array.IndexOf(lines, $"START RequestId: {requestId} Version: $LATEST");
        int end = Array.IndexOf(lines, $"END RequestId: {requestId}");
        Assert.True(start >= 0 && end == start + 3, logs);
        Assert.Matches(ReportLine(), lines[end + 1]);
        // Log files live in data/logs/{function}/, one stream per environment.
        var files = Directory.GetFiles(Path.Combine(Gateway.DataDirectory, "logs", "log"), "*.log");
        Assert.Single(files);
    }

    [Fact]
    public async Task A_cold_start_reports_Init_Duration_last_and_a_warm_one_does_not()
    {
        using var cold = await Gateway.InvokeAsync("cold-echo", "1", logType: "Tail");
        using var warm = await Gateway.InvokeAsync("cold-echo", "2", logType: "Tail");

        string Report(HttpResponseMessage r) => Encoding.UTF8.GetString(Convert.FromBase64String(r.Headers.GetValues("X-Amz-Log-Result").Single())).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches(@"\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$", Report(cold));
        Assert.DoesNotContain("Init Duration", Report(warm));
        using var env = await Gateway.InvokeAsync("cold-echo", "3");
        var pid = (await Gateway.WorkerPidsAsync("cold-echo")).First();
        Assert.Equal("on-demand", Processes.EnvironmentVariable(pid, "AWS_LAMBDA_INITIALIZATION_TYPE"));
    }

    [Fact]
    public async Task A_stock_bash_and_curl_runtime_works_unmodified_over_TCP()
    {
        var payload = """{"text":"Hello from bash","n":[1,2,3]}""";

        using var response = await Gateway.InvokeAsync("bash-echo", payload, logType: "Tail");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsStringAsync());
        Assert.Contains("START RequestId:", Encoding.UTF8.GetString(Convert.FromBase64String(response.Headers.GetValues("X-Amz-Log-Result").Single())));
    }

    [GeneratedRegex(@"^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\t$")]
    private static partial Regex ReportLine();
}
