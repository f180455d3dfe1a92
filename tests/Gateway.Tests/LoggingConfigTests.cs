using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>LoggingConfig through the management API and both CLIs: AWS's defaults, validation, and a restart.</summary>
public sealed class LoggingConfigTests
{
    [Fact]
    public async Task LoggingConfig_is_answered_with_AWSs_defaults_changed_validated_and_kept_across_a_restart()
    {
        var gateway = await GatewayProcess.StartAsync([]);
        try
        {
            var created = await gateway.CreateFunctionAsync("logcfg", FunctionZip.BashAnswering("""{"ok":true}"""));
            Assert.Equal("""{"LogFormat":"Text","LogGroup":"/aws/lambda/logcfg"}""", created["LoggingConfig"]!.ToJsonString());
            await gateway.WaitUntilReadyAsync("logcfg");

            // aws-cli v1 sets JSON with a level (Debian's aws-cli 2.9 predates LoggingConfig: it has no --logging-config).
            using var v1 = new AwsCli("aws");
            var (exit, stdout, stderr) = await v1.LambdaAsync(gateway, ["update-function-configuration", "--function-name", "logcfg", "--logging-config", "LogFormat=JSON,SystemLogLevel=DEBUG,LogGroup=/shared/logs"]);
            Assert.True(exit == 0, stderr);
            var updated = JsonDocument.Parse(stdout).RootElement.GetProperty("LoggingConfig");
            Assert.Equal(("JSON", "INFO", "DEBUG", "/shared/logs"), (updated.GetProperty("LogFormat").GetString(), updated.GetProperty("ApplicationLogLevel").GetString(),
                updated.GetProperty("SystemLogLevel").GetString(), updated.GetProperty("LogGroup").GetString()));
            await gateway.WaitUntilReadyAsync("logcfg");

            // Levels on a Text function are refused; an enum value outside botocore's list is a validation error.
            var refused = await gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/logcfg/configuration",
                new JsonObject { ["LoggingConfig"] = new JsonObject { ["LogFormat"] = "Text", ["ApplicationLogLevel"] = "DEBUG" } }, HttpStatusCode.BadRequest);
            Assert.Equal("LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your request or change the LogFormat to \"JSON\" and try again.", refused["message"]!.GetValue<string>());
            var invalid = await v1.LambdaAsync(gateway, ["update-function-configuration", "--function-name", "logcfg", "--logging-config", "LogFormat=JSON,ApplicationLogLevel=LOUD"]);
            Assert.NotEqual(0, invalid.ExitCode);
            Assert.Contains("ApplicationLogLevel", invalid.Stderr, StringComparison.OrdinalIgnoreCase);

            // The runtime is told; its log lines carry the new format.
            using (var response = await gateway.InvokeAsync("logcfg", "{}"))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            await gateway.WaitForLogAsync("logcfg", "\"type\":\"platform.report\"");

            // Kept with the version: a published version has it, and so has $LATEST after a restart.
            await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/logcfg/versions", new JsonObject(), HttpStatusCode.Created);
            Assert.Equal(0, await gateway.StopAsync());
            var restarted = await GatewayProcess.RestartAsync(gateway);
            gateway = restarted;
            foreach (var qualifier in new string?[] { null, "1" })
            {
                var configuration = await gateway.GetFunctionConfigurationAsync("logcfg", qualifier);
                Assert.Equal("""{"LogFormat":"JSON","ApplicationLogLevel":"INFO","SystemLogLevel":"DEBUG","LogGroup":"/shared/logs"}""", configuration["LoggingConfig"]!.ToJsonString());
            }
            var (getExit, getOut, getErr) = await v1.LambdaAsync(gateway, ["get-function-configuration", "--function-name", "logcfg", "--query", "LoggingConfig.LogFormat", "--output", "text"]);
            Assert.True(getExit == 0, getErr);
            Assert.Equal("JSON", getOut.Trim());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
