using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// SnapStart and KMSKeyArn, two settings the gateway stores and answers but does not act on (no snapshots, no
/// encryption): AWS's shapes per $LATEST and published version, its refusals, and both kept across a restart.
/// Shapes and messages from LocalStack's recordings of AWS (test_lambda_api.snapshot.json, TestLambdaSnapStart).
/// </summary>
public sealed class SnapStartAndKmsKeyTests
{
    private const string KeyArn = "arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555";

    private static JsonObject Create(string name, string runtime, string applyOn) => new()
    {
        ["FunctionName"] = name,
        ["Runtime"] = runtime,
        ["Role"] = ManagementApi.Role,
        ["Handler"] = "app.handler",
        ["Code"] = new JsonObject
        {
            ["ZipFile"] = Convert.ToBase64String(runtime.StartsWith("python", StringComparison.Ordinal)
                ? RuntimeFunctions.Sources(("app.py", "def handler(event, context):\n    return event\n"))
                : FunctionZip.BashAnswering("{}")),
        },
        ["SnapStart"] = new JsonObject { ["ApplyOn"] = applyOn },
        ["KMSKeyArn"] = KeyArn,
    };

    private static string SnapStartOf(JsonNode configuration) => configuration["SnapStart"]!.ToJsonString();

    [Fact]
    public async Task SnapStart_and_KMSKeyArn_are_stored_per_version_answered_as_AWS_does_refused_as_AWS_does_and_kept_across_a_restart()
    {
        var gateway = await GatewayProcess.StartAsync([]);
        try
        {
            // $LATEST is never snapshotted: Off, whatever ApplyOn says (LS-REC update_function_response).
            var created = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", Create("snap", "python3.12", "PublishedVersions"), HttpStatusCode.Created);
            Assert.Equal("""{"ApplyOn":"PublishedVersions","OptimizationStatus":"Off"}""", SnapStartOf(created));
            Assert.Equal(KeyArn, created["KMSKeyArn"]!.GetValue<string>());
            await gateway.WaitUntilReadyAsync("snap");

            // A version published with PublishedVersions is the snapshotted one: On (AWS's documentation of OptimizationStatus).
            var published = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/snap/versions", new JsonObject(), HttpStatusCode.Created);
            Assert.Equal("""{"ApplyOn":"PublishedVersions","OptimizationStatus":"On"}""", SnapStartOf(published));

            // Turning it off on $LATEST leaves the published version as it was; "" removes the key.
            var updated = await gateway.SendAsync(HttpMethod.Put, "/2015-03-31/functions/snap/configuration", new JsonObject
            {
                ["SnapStart"] = new JsonObject { ["ApplyOn"] = "None" },
                ["KMSKeyArn"] = "",
            }, HttpStatusCode.OK);
            Assert.Equal("""{"ApplyOn":"None","OptimizationStatus":"Off"}""", SnapStartOf(updated));
            Assert.Null(updated["KMSKeyArn"]);
            await gateway.WaitUntilReadyAsync("snap");

            // An ApplyOn outside the enum: AWS's ValidationException, word for word (LS-REC create_function_invalid_snapstart_apply).
            using (var request = new HttpRequestMessage(HttpMethod.Put, "/2015-03-31/functions/snap/configuration")
            {
                Content = new StringContent("""{"SnapStart":{"ApplyOn":"invalidOption"}}""", System.Text.Encoding.UTF8, "application/json"),
            })
            using (var response = await gateway.Client.SendAsync(request).WithTimeout())
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal("ValidationException", response.Headers.GetValues("x-amzn-ErrorType").Single());
                Assert.Contains("1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]",
                    await response.Content.ReadAsStringAsync());
            }

            // A runtime SnapStart does not serve, with PublishedVersions: refused (None is fine on any runtime).
            var refused = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", Create("snap-os", "provided.al2023", "PublishedVersions"), HttpStatusCode.BadRequest);
            Assert.Equal("provided.al2023 is not supported for SnapStart enabled functions.", refused["message"]!.GetValue<string>());
            await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions", Create("snap-os", "provided.al2023", "None"), HttpStatusCode.Created);

            Assert.Equal(0, await gateway.StopAsync());
            gateway = await GatewayProcess.RestartAsync(gateway);
            var latest = await gateway.GetFunctionConfigurationAsync("snap");
            var version = await gateway.GetFunctionConfigurationAsync("snap", "1");
            Assert.Equal("""{"ApplyOn":"None","OptimizationStatus":"Off"}""", SnapStartOf(latest));
            Assert.Null(latest["KMSKeyArn"]);
            Assert.Equal("""{"ApplyOn":"PublishedVersions","OptimizationStatus":"On"}""", SnapStartOf(version));
            Assert.Equal(KeyArn, version["KMSKeyArn"]!.GetValue<string>());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
