using System.Diagnostics;
using System.Text.Json;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The real aws CLI (botocore: its request serialisation, response parsing, paginators and waiters) against the
/// management endpoints on a loopback Kestrel. No function runs here (no host): that end-to-end path is
/// Gateway.Tests' ManagementFunctionsTests, once Program.cs is wired. Needs <c>aws</c> on PATH, as Gateway.Tests does.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ManagementCliTests : IDisposable
{
    private const string Role = "arn:aws:iam::000000000000:role/lambda-role";
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:function:";

    private readonly string _dir = Directory.CreateTempSubdirectory("mgmt-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int ExitCode, string Stdout, string Stderr)> AwsAsync(FunctionsApiServer server, params string[] args)
    {
        var start = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var arg in (string[])["--endpoint-url", server.Client.BaseAddress!.ToString().TrimEnd('/'), "lambda", .. args])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        start.Environment["AWS_PAGER"] = "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout.WithTimeout(), await stderr.WithTimeout());
    }

    private async Task<JsonElement> AwsJsonAsync(FunctionsApiServer server, params string[] args)
    {
        var (exit, stdout, stderr) = await AwsAsync(server, args);
        Assert.True(exit == 0, $"aws lambda {string.Join(' ', args)}: {stderr}");
        return stdout.Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }

    [Fact]
    public async Task The_aws_CLI_creates_waits_updates_publishes_lists_tags_and_deletes()
    {
        await using var server = await FunctionsApiServer.StartAsync();
        await File.WriteAllBytesAsync(Path.Combine(_dir, "v1.zip"), FunctionsApiServer.Zip("#!/bin/sh\necho v1\n")).WithTimeout();
        await File.WriteAllBytesAsync(Path.Combine(_dir, "v2.zip"), FunctionsApiServer.Zip("#!/bin/sh\necho v2\n")).WithTimeout();

        var created = await AwsJsonAsync(server, "create-function", "--function-name", "fn", "--runtime", "provided.al2023", "--role", Role,
            "--handler", "function.handler", "--zip-file", "fileb://v1.zip", "--publish", "--tags", "team=gateway");
        Assert.Equal("Pending", created.GetProperty("State").GetString());
        Assert.Equal("1", created.GetProperty("Version").GetString());
        Assert.Equal(0, (await AwsAsync(server, "wait", "function-active-v2", "--function-name", "fn")).ExitCode);

        var configured = await AwsJsonAsync(server, "update-function-configuration", "--function-name", "fn", "--timeout", "10", "--environment", "Variables={GREETING=hello}");
        Assert.Equal("InProgress", configured.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal(0, (await AwsAsync(server, "wait", "function-updated-v2", "--function-name", "fn")).ExitCode);

        var code = await AwsJsonAsync(server, "update-function-code", "--function-name", "fn", "--zip-file", "fileb://v2.zip");
        Assert.NotEqual(created.GetProperty("CodeSha256").GetString(), code.GetProperty("CodeSha256").GetString());
        Assert.Equal(0, (await AwsAsync(server, "wait", "function-updated-v2", "--function-name", "fn")).ExitCode);

        var published = await AwsJsonAsync(server, "publish-version", "--function-name", "fn", "--description", "second");
        Assert.Equal("2", published.GetProperty("Version").GetString());
        Assert.Equal(Arn + "fn:2", published.GetProperty("FunctionArn").GetString());

        // botocore's paginator follows NextMarker one item at a time.
        var versions = await AwsJsonAsync(server, "list-versions-by-function", "--function-name", "fn", "--page-size", "1");
        Assert.Equal(["$LATEST", "1", "2"], versions.GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("Version").GetString()));
        var all = await AwsJsonAsync(server, "list-functions", "--function-version", "ALL");
        Assert.Equal(3, all.GetProperty("Functions").GetArrayLength());

        var function = await AwsJsonAsync(server, "get-function", "--function-name", "fn", "--qualifier", "1");
        Assert.Equal(Arn + "fn:1", function.GetProperty("Configuration").GetProperty("FunctionArn").GetString());
        Assert.Equal("gateway", function.GetProperty("Tags").GetProperty("team").GetString());
        var location = new Uri(function.GetProperty("Code").GetProperty("Location").GetString()!);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_dir, "v1.zip")).WithTimeout(), await server.Client.GetByteArrayAsync(location.PathAndQuery).WithTimeout());

        await AwsJsonAsync(server, "tag-resource", "--resource", Arn + "fn", "--tags", "stage=test");
        await AwsJsonAsync(server, "untag-resource", "--resource", Arn + "fn", "--tag-keys", "team");
        var tags = await AwsJsonAsync(server, "list-tags", "--resource", Arn + "fn");
        Assert.Equal(["stage"], tags.GetProperty("Tags").EnumerateObject().Select(p => p.Name));

        var latest = await AwsAsync(server, "delete-function", "--function-name", "fn", "--qualifier", "$LATEST");
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the DeleteFunction operation: $LATEST version cannot be deleted without deleting the function.", latest.Stderr);
        await AwsJsonAsync(server, "delete-function", "--function-name", "fn", "--qualifier", "1");
        await AwsJsonAsync(server, "delete-function", "--function-name", "fn");
        var missing = await AwsAsync(server, "get-function", "--function-name", "fn");
        Assert.Contains("An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: " + Arn + "fn", missing.Stderr);

        var java = await AwsAsync(server, "create-function", "--function-name", "jv", "--runtime", "java21", "--role", Role, "--handler", "h", "--zip-file", "fileb://v1.zip");
        Assert.Contains("An error occurred (InvalidParameterValueException) when calling the CreateFunction operation: The runtime parameter of java21 is not supported", java.Stderr);
    }
}
