using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Layer version permissions (AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission) against
/// the native binary: the lifecycle and every refusal AWS recorded (LocalStack's test_layer_policy_lifecycle and
/// test_layer_policy_exceptions, 2025-11-25) through both aws CLIs, the exact error bodies over HTTP, and the policy
/// kept across a restart and gone with its version.
/// </summary>
public sealed partial class LayerTests
{
    private const string WrongRevision = "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id";

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Layer_permissions_from_add_to_remove_with_the_aws_cli(string cli)
    {
        using var aws = new AwsCli(cli);
        var v = cli == "aws" ? "v1" : "v2";
        var name = $"policy-{v}";
        await File.WriteAllBytesAsync(Path.Combine(aws.Directory, "one.zip"), LayerOne());
        var published = await Ok(aws, "publish-layer-version", "--layer-name", name, "--zip-file", "fileb://one.zip");
        var layerArn = published.GetProperty("LayerArn").GetString()!;
        var versionArn = published.GetProperty("LayerVersionArn").GetString()!;
        string[] version1 = ["--layer-name", name, "--version-number", "1"];

        await RefusedAsync(aws, ["get-layer-version-policy", .. version1], "ResourceNotFoundException", "No policy is associated with the given resource.");

        var s1 = await Ok(aws, ["add-layer-version-permission", .. version1, "--statement-id", "s1", "--action", "lambda:GetLayerVersion", "--principal", "*"]);
        Assert.Equal($$"""{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"{{versionArn}}"}""", s1.GetProperty("Statement").GetString());
        var revision1 = s1.GetProperty("RevisionId").GetString()!;
        Assert.True(Guid.TryParse(revision1, out _), revision1);

        var policy = await Ok(aws, ["get-layer-version-policy", .. version1]);
        Assert.Equal($$"""{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"{{versionArn}}"}]}""",
            policy.GetProperty("Policy").GetString());
        Assert.Equal(revision1, policy.GetProperty("RevisionId").GetString());

        // An account, with an organization and the current RevisionId (the layer named by its ARN this time).
        var s2 = await Ok(aws, "add-layer-version-permission", "--layer-name", layerArn, "--version-number", "1", "--statement-id", "s2",
            "--action", "lambda:GetLayerVersion", "--principal", "123456789012", "--organization-id", "o-abcdefghij", "--revision-id", revision1);
        Assert.Equal($$$$"""{"Sid":"s2","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"lambda:GetLayerVersion","Resource":"{{{{versionArn}}}}","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}""",
            s2.GetProperty("Statement").GetString());
        var revision2 = s2.GetProperty("RevisionId").GetString()!;
        Assert.NotEqual(revision1, revision2);
        var both = await Ok(aws, ["get-layer-version-policy", .. version1]);
        Assert.Equal(["s1", "s2"], JsonNode.Parse(both.GetProperty("Policy").GetString()!)!["Statement"]!.AsArray().Select(s => s!["Sid"]!.GetValue<string>()));
        Assert.Equal(revision2, both.GetProperty("RevisionId").GetString());

        // The refusals AWS recorded.
        await RefusedAsync(aws, ["add-layer-version-permission", .. version1, "--statement-id", "s1", "--action", "lambda:GetLayerVersion", "--principal", "*"],
            "ResourceConflictException", "The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.");
        await RefusedAsync(aws, ["add-layer-version-permission", .. version1, "--statement-id", "s3", "--action", "lambda:GetLayerVersion", "--principal", "*", "--revision-id", revision1],
            "PreconditionFailedException", WrongRevision);
        await RefusedAsync(aws, ["add-layer-version-permission", .. version1, "--statement-id", "s3", "--action", "*", "--principal", "*"],
            "ValidationException", "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion");
        foreach (var (layer, number) in new[] { (name + "-doesnotexist", "1"), (name, "2") })
        {
            string missing = $"Layer version {layerArn.Replace(name, layer)}:{number} does not exist.";
            string[] target = ["--layer-name", layer, "--version-number", number];
            await RefusedAsync(aws, ["add-layer-version-permission", .. target, "--statement-id", "s3", "--action", "lambda:GetLayerVersion", "--principal", "*"], "ResourceNotFoundException", missing);
            await RefusedAsync(aws, ["get-layer-version-policy", .. target], "ResourceNotFoundException", missing);
            await RefusedAsync(aws, ["remove-layer-version-permission", .. target, "--statement-id", "s1"], "ResourceNotFoundException", missing);
        }
        await RefusedAsync(aws, ["remove-layer-version-permission", .. version1, "--statement-id", "doesnotexist"],
            "ResourceNotFoundException", "Statement doesnotexist is not found in resource policy.");
        await RefusedAsync(aws, ["remove-layer-version-permission", .. version1, "--statement-id", "s2", "--revision-id", revision1],
            "PreconditionFailedException", WrongRevision);

        await Ok(aws, ["remove-layer-version-permission", .. version1, "--statement-id", "s2", "--revision-id", revision2]);
        var after = await Ok(aws, ["get-layer-version-policy", .. version1]);
        Assert.Equal(["s1"], JsonNode.Parse(after.GetProperty("Policy").GetString()!)!["Statement"]!.AsArray().Select(s => s!["Sid"]!.GetValue<string>()));
        Assert.NotEqual(revision2, after.GetProperty("RevisionId").GetString());

        // The version deleted, its policy goes with it.
        await Ok(aws, ["delete-layer-version", .. version1]);
        await RefusedAsync(aws, ["get-layer-version-policy", .. version1], "ResourceNotFoundException", $"Layer version {versionArn} does not exist.");
    }

    [Fact]
    public async Task Layer_permission_errors_have_the_bodies_AWS_sends()
    {
        var arn = (await PublishAsync("policy-errors", LayerOne()))["LayerArn"]!.GetValue<string>();
        const string path = "/2018-10-31/layers/policy-errors/versions/1/policy";
        JsonObject Statement(string sid, string action = "lambda:GetLayerVersion") => new() { ["StatementId"] = sid, ["Action"] = action, ["Principal"] = "*" };

        await ExpectAsync(SendAsync(HttpMethod.Get, path), 404, "ResourceNotFoundException",
            """{"Type":"User","Message":"No policy is associated with the given resource."}""");
        using (var added = await SendAsync(HttpMethod.Post, path, Statement("s1")))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var body = JsonNode.Parse(await added.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal(["Statement", "RevisionId"], body.Select(m => m.Key));
        }
        await ExpectAsync(SendAsync(HttpMethod.Post, path, Statement("s1")), 409, "ResourceConflictException",
            """{"Type":"User","message":"The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement."}""");
        await ExpectAsync(SendAsync(HttpMethod.Post, path + "?RevisionId=nope", Statement("s2")), 412, "PreconditionFailedException",
            $$"""{"Type":"User","message":"{{WrongRevision}}"}""");
        await ExpectAsync(SendAsync(HttpMethod.Delete, path + "/s1?RevisionId=nope"), 412, "PreconditionFailedException",
            $$"""{"Type":"User","message":"{{WrongRevision}}"}""");
        await ExpectAsync(SendAsync(HttpMethod.Post, path, Statement("s2", action: "*")), 400, "ValidationException",
            """{"message":"1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion"}""");
        await ExpectAsync(SendAsync(HttpMethod.Get, "/2018-10-31/layers/policy-errors/versions/2/policy"), 404, "ResourceNotFoundException",
            $$"""{"Type":"User","Message":"Layer version {{arn}}:2 does not exist."}""");
        await ExpectAsync(SendAsync(HttpMethod.Delete, path + "/doesnotexist"), 404, "ResourceNotFoundException",
            """{"Type":"User","Message":"Statement doesnotexist is not found in resource policy."}""");
    }

    [Fact]
    public async Task Layer_permissions_survive_a_restart()
    {
        await PublishAsync("policy-kept", LayerOne());
        await PublishAsync("policy-kept", LayerOne());
        const string one = "/2018-10-31/layers/policy-kept/versions/1/policy";
        const string two = "/2018-10-31/layers/policy-kept/versions/2/policy";
        foreach (var path in new[] { one, two })
        {
            using var added = await SendAsync(HttpMethod.Post, path, new JsonObject
            {
                ["StatementId"] = "org", ["Action"] = "lambda:GetLayerVersion", ["Principal"] = "123456789012", ["OrganizationId"] = "o-abcdefghij",
            });
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }
        var before = await _gateway.Client.GetStringAsync(one).WithTimeout();
        using (var deleted = await SendAsync(HttpMethod.Delete, "/2018-10-31/layers/policy-kept/versions/2"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, await _gateway.StopAsync());
        await using var restarted = await GatewayProcess.RestartAsync(_gateway);

        // The same policy text and RevisionId; the deleted version's is gone with it.
        Assert.Equal(before, await restarted.Client.GetStringAsync(one).WithTimeout());
        using var gone = await restarted.Client.GetAsync(two).WithTimeout();
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains(":layer:policy-kept:2 does not exist.", await gone.Content.ReadAsStringAsync());
        // Still a policy to change: a remove with the kept RevisionId is accepted.
        var revision = JsonDocument.Parse(before).RootElement.GetProperty("RevisionId").GetString();
        using var removed = await restarted.Client.DeleteAsync(one + "/org?RevisionId=" + revision).WithTimeout();
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    /// <summary>The CLI fails with <paramref name="errorType"/> and AWS's <paramref name="message"/>.</summary>
    private async Task RefusedAsync(AwsCli aws, string[] args, string errorType, string message)
    {
        var (exit, _, stderr) = await aws.LambdaAsync(_gateway, args);
        Assert.True(exit != 0, $"aws lambda {string.Join(' ', args)} succeeded");
        Assert.Contains($"({errorType})", stderr);
        Assert.Contains(message, stderr);
    }
}
