using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Management;

namespace Gateway.UnitTests.Management;

/// <summary>The JSON members against AWS's answers as LocalStack recorded them from real AWS
/// (test_lambda_api.snapshot.json, recorded 2025-11-25).</summary>
public partial class FunctionConfigurationJsonTests
{
    /// <summary>GetFunction's Configuration in test_function_lifecycle (get_function_response).</summary>
    private static readonly string[] RecordedActiveMembers =
    [
        "Architectures", "CodeSha256", "CodeSize", "Description", "Environment", "EphemeralStorage", "FunctionArn",
        "FunctionName", "Handler", "LastModified", "LastUpdateStatus", "LoggingConfig", "MemorySize", "PackageType",
        "RevisionId", "Role", "Runtime", "RuntimeVersionConfig", "SnapStart", "State", "Timeout", "TracingConfig", "Version",
    ];

    [GeneratedRegex(@"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000\z")]
    private static partial Regex AwsDate();

    private static JsonElement Serialize(FunctionConfiguration configuration) =>
        JsonDocument.Parse(JsonSerializer.Serialize(configuration, ManagementJsonContext.Default.FunctionConfiguration)).RootElement;

    private static string[] Members(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void An_active_function_has_exactly_AWS_members()
    {
        var version = ManagementFixtures.Latest("fn", environment: new Dictionary<string, string> { ["A"] = "1" });
        var json = Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn));

        Assert.Equal(RecordedActiveMembers, Members(json));
        Assert.Equal("Active", json.GetProperty("State").GetString());
        Assert.Equal("Successful", json.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal("$LATEST", json.GetProperty("Version").GetString());
        Assert.Equal("Zip", json.GetProperty("PackageType").GetString());
        Assert.Equal(512, json.GetProperty("EphemeralStorage").GetProperty("Size").GetInt32());
        Assert.Equal("PassThrough", json.GetProperty("TracingConfig").GetProperty("Mode").GetString());
        Assert.Equal("x86_64", json.GetProperty("Architectures")[0].GetString());
        Assert.Equal("/aws/lambda/fn", json.GetProperty("LoggingConfig").GetProperty("LogGroup").GetString());
        Assert.Equal("Text", json.GetProperty("LoggingConfig").GetProperty("LogFormat").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("CodeSize").ValueKind);
        Assert.Equal("1", json.GetProperty("Environment").GetProperty("Variables").GetProperty("A").GetString());
        // arn:aws:lambda:{region}::runtime:{64 hex}, the same on every answer for the same runtime.
        var runtimeVersion = json.GetProperty("RuntimeVersionConfig").GetProperty("RuntimeVersionArn").GetString()!;
        Assert.Matches(@"\Aarn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\z", runtimeVersion);
        Assert.Equal(runtimeVersion, Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn)).GetProperty("RuntimeVersionConfig").GetProperty("RuntimeVersionArn").GetString());
    }

    [Fact]
    public void Only_a_zip_function_with_a_runtime_has_a_RuntimeVersionConfig()
    {
        var version = ManagementFixtures.Latest("fn");
        Assert.False(Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn, listItem: true)).TryGetProperty("RuntimeVersionConfig", out _)); // lists: LS-REC list_default
        Assert.False(Serialize(FunctionConfigurationJson.From(version with { PackageType = "Image" }, version.Definition.Arn)).TryGetProperty("RuntimeVersionConfig", out _));
        Assert.False(Serialize(FunctionConfigurationJson.From(version with { Runtime = "" }, version.Definition.Arn)).TryGetProperty("RuntimeVersionConfig", out _));
    }

    [Fact]
    public void LastModified_is_AWS_format_in_UTC_with_milliseconds()
    {
        var version = ManagementFixtures.Latest("fn") with { LastModified = new DateTimeOffset(2024, 5, 1, 14, 34, 56, 789, TimeSpan.FromHours(2)) };
        var text = Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn)).GetProperty("LastModified").GetString()!;
        Assert.Equal("2024-05-01T12:34:56.789+0000", text);
        Assert.Matches(AwsDate(), text);
    }

    [Fact]
    public void A_pending_function_shows_its_state_reason_and_no_update_status()
    {
        // CreateFunctionResponse in test_function_lifecycle: State/StateReason/StateReasonCode, no LastUpdateStatus.
        var version = FunctionStates.AsPending(ManagementFixtures.Latest("fn"));
        var json = Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn));
        Assert.Equal("Pending", json.GetProperty("State").GetString());
        Assert.Equal("The function is being created.", json.GetProperty("StateReason").GetString());
        Assert.Equal("Creating", json.GetProperty("StateReasonCode").GetString());
        Assert.False(json.TryGetProperty("LastUpdateStatus", out _));
    }

    [Fact]
    public void An_update_in_progress_shows_AWS_reason_fields_and_no_state_reason()
    {
        // update_func_conf_response in test_function_lifecycle.
        var version = FunctionStates.AsUpdating(ManagementFixtures.Latest("fn"));
        var json = Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn));
        Assert.Equal("Active", json.GetProperty("State").GetString());
        Assert.False(json.TryGetProperty("StateReason", out _));
        Assert.Equal("InProgress", json.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal("The function is being created.", json.GetProperty("LastUpdateStatusReason").GetString());
        Assert.Equal("Creating", json.GetProperty("LastUpdateStatusReasonCode").GetString());
    }

    [Fact]
    public void List_items_carry_no_state_members()
    {
        // list_default / list_all in test_list_functions.
        var version = FunctionStates.AsUpdating(ManagementFixtures.Latest("fn"));
        var json = Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn, listItem: true));
        foreach (var member in new[] { "State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode" })
        {
            Assert.False(json.TryGetProperty(member, out _), member);
        }
        Assert.True(json.TryGetProperty("RevisionId", out _));
    }

    [Fact]
    public void A_function_without_variables_has_no_Environment_member()
    {
        // create-response-zip-file in test_lambda_code_location_zipfile (created without Environment).
        var version = ManagementFixtures.Latest("fn");
        Assert.False(Serialize(FunctionConfigurationJson.From(version, version.Definition.Arn)).TryGetProperty("Environment", out _));
    }

    [Fact]
    public void Latest_in_a_list_is_qualified_only_when_versions_are_listed()
    {
        var latest = ManagementFixtures.Latest("fn");
        Assert.Equal(ManagementFixtures.ArnOf("fn") + ":$LATEST", FunctionConfigurationJson.ListArn(latest, qualifyLatest: true));
        Assert.Equal(ManagementFixtures.ArnOf("fn"), FunctionConfigurationJson.ListArn(latest, qualifyLatest: false));
    }

    [Fact]
    public void GetFunction_has_AWS_members_and_leaves_out_tags_and_concurrency_when_unset()
    {
        var version = ManagementFixtures.Latest("fn");
        var json = JsonDocument.Parse(JsonSerializer.Serialize(new GetFunctionResponse
        {
            Configuration = FunctionConfigurationJson.From(version, version.Definition.Arn),
            Code = new FunctionCodeLocation { Location = "http://localhost/_gateway/code/x.zip" },
        }, ManagementJsonContext.Default.GetFunctionResponse)).RootElement;
        Assert.Equal(["Code", "Configuration"], Members(json));
        Assert.Equal(["Location", "RepositoryType"], Members(json.GetProperty("Code")));
        Assert.Equal("S3", json.GetProperty("Code").GetProperty("RepositoryType").GetString());
    }

    [Fact]
    public void Requests_read_AWS_member_names()
    {
        var request = JsonSerializer.Deserialize(
            """{"FunctionName":"fn","Role":"arn:aws:iam::000000000000:role/r","Runtime":"provided.al2023","Handler":"h","Code":{"ZipFile":"UEsFBg=="},"Timeout":30,"MemorySize":256,"Publish":true,"Environment":{"Variables":{"A":"1"}},"Architectures":["x86_64"],"EphemeralStorage":{"Size":1024},"Tags":{"team":"x"}}""",
            ManagementJsonContext.Default.CreateFunctionRequest)!;
        Assert.Equal("fn", request.FunctionName);
        Assert.Equal("UEsFBg==", request.Code!.ZipFile);
        Assert.Equal(30, request.Timeout);
        Assert.Equal(256, request.MemorySize);
        Assert.True(request.Publish);
        Assert.Equal("1", request.Environment!.Variables!["A"]);
        Assert.Equal(1024, request.EphemeralStorage!.Size);
        Assert.Equal("x", request.Tags!["team"]);
    }
}
