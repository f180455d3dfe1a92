using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The native binary refuses what it does not know — an unknown option, a misspelt Gateway key from the command
/// line, an environment variable or appsettings.json, a value of the wrong type — with exit code 2 and one line
/// naming it, before anything starts; prints its option table for --help; and still starts with every valid spelling.
/// </summary>
public class ConfigurationTests
{
    /// <summary>Launches the gateway (the usual --urls, --data and --functions first, then <paramref name="args"/>)
    /// in a fresh folder, waits for it to exit by itself, and returns its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output, bool DataCreated)> RunToExitAsync(
        IReadOnlyDictionary<string, string?>? environment, string? appsettings, params string[] args)
    {
        var root = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "functions.json"), new JsonObject { ["Functions"] = new JsonArray(TestFunction.Sample("echo").ToJson()) }.ToJsonString());
        if (appsettings is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), appsettings); // the working directory is the content root
        }
        var gateway = GatewayProcess.Launch(root, GatewayProcess.FreePort(), environment, args);
        await using var _ = gateway; // stops it if it started after all, and deletes root
        await gateway.WaitForExitAsync();
        return (gateway.ExitCode, gateway.Output, Directory.Exists(gateway.DataDirectory));
    }

    private static void AssertRefused((int ExitCode, string Output, bool DataCreated) run, string message)
    {
        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}, not 2:\n{run.Output}");
        Assert.Contains(message, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
        Assert.False(run.DataCreated, "the data folder was created: something started before the refusal");
    }

    [Fact]
    public async Task An_unknown_option_is_refused_by_name()
    {
        var run = await RunToExitAsync(null, null, "--federation", "x");

        AssertRefused(run, "gateway: unknown option '--federation' (see --help)");
        Assert.Equal("gateway: unknown option '--federation' (see --help)", run.Output.Trim());
    }

    [Fact]
    public async Task A_misspelt_Gateway_key_on_the_command_line_is_refused_with_the_key_meant()
    {
        var run = await RunToExitAsync(null, null, "--Gateway:AccountConcurencyLimit=5");

        AssertRefused(run, "gateway: unknown option '--Gateway:AccountConcurencyLimit'; did you mean Gateway:AccountConcurrencyLimit? (see --help)");
    }

    [Fact]
    public async Task A_known_option_without_its_value_is_refused_by_name()
    {
        var run = await RunToExitAsync(null, null, "--max-environments");

        AssertRefused(run, "gateway: option '--max-environments' needs a value");
    }

    [Theory]
    [InlineData("Gateway__Regoin")]
    [InlineData("DOTNET_Gateway__Regoin")]
    [InlineData("ASPNETCORE_Gateway__Regoin")]
    public async Task A_misspelt_Gateway_key_in_an_environment_variable_is_refused_with_the_variables_name(string variable)
    {
        var run = await RunToExitAsync(new Dictionary<string, string?> { [variable] = "x" }, null);

        AssertRefused(run, $"gateway: unknown setting Gateway:Regoin; did you mean Gateway:Region? (from environment variable {variable}; see --help)");
    }

    [Fact]
    public async Task A_misspelt_Gateway_key_in_appsettings_json_is_refused_with_the_files_path()
    {
        var run = await RunToExitAsync(null, """{ "Gateway": { "AccountConcurencyLimit": 5 } }""");

        AssertRefused(run, "gateway: unknown setting Gateway:AccountConcurencyLimit; did you mean Gateway:AccountConcurrencyLimit? (from /");
        Assert.Contains("/appsettings.json; see --help)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_refused_in_one_line()
    {
        var fromCommandLine = await RunToExitAsync(null, null, "--Gateway:AccountConcurrencyLimit=lots");
        var fromEnvironment = await RunToExitAsync(new Dictionary<string, string?> { ["Gateway__AccountConcurrencyLimit"] = "lots" }, null);

        AssertRefused(fromCommandLine, "gateway: option '--Gateway:AccountConcurrencyLimit' takes a whole number, not 'lots'");
        AssertRefused(fromEnvironment, "gateway: Gateway:AccountConcurrencyLimit takes a whole number, not 'lots' (from environment variable Gateway__AccountConcurrencyLimit; see --help)");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_every_option_and_exits_0_before_anything_starts(string help)
    {
        var run = await RunToExitAsync(null, null, help);

        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}:\n{run.Output}");
        Assert.StartsWith("Usage: Gateway [options]", run.Output, StringComparison.Ordinal);
        foreach (var line in new[]
        {
            "  --urls URLS   [urls, default: http://127.0.0.1:9000]",
            "  --data DIR   [Gateway:DataDirectory, default: data]",
            "  --functions PATH   [Gateway:Functions, default: none]",
            "  --account-concurrency-limit N   [Gateway:AccountConcurrencyLimit, default: 1000]",
            "  --max-environments N   [Gateway:MaxEnvironments, default: physical memory ÷ 64 MB (at least 16)]",
            "  --echo-function-logs [BOOL], --quiet   [Gateway:EchoFunctionLogs, default: true]",
        })
        {
            Assert.Contains(line + "\n", run.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
        Assert.False(run.DataCreated);
    }

    [Fact]
    public async Task Every_valid_spelling_still_starts_and_takes_effect()
    {
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")],
            "--gateway:accountconcurrencylimit", "400", "--minimum-unreserved-concurrency=50", "--max-environments", "8",
            "--inline-scheduling", "false", "--quiet", "--Logging:LogLevel:Default=Warning");

        using var response = await gateway.Client.GetAsync("/2016-08-19/account-settings");
        var json = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal(400, json.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
        Assert.Equal(400, json.GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());
        using var invoke = await gateway.InvokeAsync("echo", """{"spelling":"ok"}""");
        Assert.Equal(HttpStatusCode.OK, invoke.StatusCode);
    }

    [Fact]
    public async Task A_known_key_in_an_environment_variable_in_any_case_still_starts_and_takes_effect()
    {
        await using var gateway = await GatewayProcess.StartWithEnvironmentAsync([TestFunction.Sample("echo")],
            new Dictionary<string, string?> { ["gateway__ACCOUNTCONCURRENCYLIMIT"] = "300", ["DOTNET_Gateway__RequestRateMultiplier"] = "20" });

        using var response = await gateway.Client.GetAsync("/2016-08-19/account-settings");
        var json = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal(300, json.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
    }

    [Theory]
    [InlineData("--burst-capacity", "0", "gateway: --burst-capacity must be between 1 and 1000000, not 0")]
    [InlineData("--burst-refill-per-second", "0", "gateway: --burst-refill-per-second must be between 0.001 and 1e9 environments per second, not 0")]
    [InlineData("--request-rate-multiplier", "0", "gateway: --request-rate-multiplier must be between 1 and 1000, not 0")]
    [InlineData("--minimum-unreserved-concurrency", "-1", "gateway: --minimum-unreserved-concurrency must be between 0 and the account concurrency limit (1000), not -1")]
    public async Task An_admission_setting_that_cannot_be_honoured_is_refused_in_one_line(string option, string value, string message)
    {
        // These ended in an unhandled exception (exit 134) whose text was a resource key of the trimmed build.
        var run = await RunToExitAsync(null, null, option, value);

        AssertRefused(run, message);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_small_account_limit_starts_with_the_minimum_unreserved_at_the_limit_as_on_a_new_AWS_account()
    {
        // A new AWS account's limit is 10 and its minimum unreserved 10 ("below its minimum value of [10]"): the
        // throttling walkthrough's --account-concurrency-limit 10 crashed the gateway at start (the minimum stayed 100).
        await using var gateway = await GatewayProcess.StartAsync([TestFunction.Sample("echo")], "--account-concurrency-limit", "10");

        using var response = await gateway.Client.GetAsync("/2016-08-19/account-settings");
        var json = await GatewayProcess.ReadJsonAsync(response);
        Assert.Equal(10, json.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
        using var reserve = await gateway.Client.PutAsync("/2017-10-31/functions/echo/concurrency",
            new StringContent("""{"ReservedConcurrentExecutions":1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, reserve.StatusCode);
        Assert.Contains("below its minimum value of [10].", await reserve.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var invoke = await gateway.InvokeAsync("echo", "{}");
        Assert.Equal(HttpStatusCode.OK, invoke.StatusCode);
    }
}
