using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// AddPermission's RevisionId on a resource with no policy yet: AWS checks it against the resource's own RevisionId
/// (LocalStack's recordings of AWS, test_lambda_api.snapshot.json: TestLambdaRevisions::test_function_revisions_permissions
/// for the function, TestLambdaPermissions::test_lambda_permission_fn_versioning for an alias; a version by the same
/// rule).
/// </summary>
public sealed class PermissionRevisionTests
{
    private static JsonObject Statement(string sid, string revisionId) => new()
    {
        ["StatementId"] = sid,
        ["Action"] = "lambda:InvokeFunction",
        ["Principal"] = "s3.amazonaws.com",
        ["RevisionId"] = revisionId,
    };

    [Fact]
    public async Task A_first_AddPermission_takes_the_RevisionId_of_the_function_alias_or_version_it_is_added_to()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        await gateway.CreateFunctionAsync("perm-rev", FunctionZip.BashAnswering("{}"));
        await gateway.WaitUntilReadyAsync("perm-rev");
        var version = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/versions", new JsonObject(), HttpStatusCode.Created);
        var alias = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/aliases",
            new JsonObject { ["Name"] = "live", ["FunctionVersion"] = "1" }, HttpStatusCode.Created);
        var latest = await gateway.GetFunctionConfigurationAsync("perm-rev");

        // A wrong one is still AWS's 412 (LS-REC add_permission_revision_exception).
        var stale = await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/policy", Statement("s0", "wrong"), HttpStatusCode.PreconditionFailed);
        Assert.StartsWith("The Revision Id provided does not match the latest Revision Id.", stale["message"]!.GetValue<string>());

        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/policy",
            Statement("s1", latest["RevisionId"]!.GetValue<string>()), HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev:live/policy?Qualifier=live",
            Statement("s2", alias["RevisionId"]!.GetValue<string>()), HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/policy?Qualifier=1",
            Statement("s3", version["RevisionId"]!.GetValue<string>()), HttpStatusCode.Created);

        // Once a policy exists, GetPolicy's RevisionId is the one to give.
        var policy = await gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/perm-rev/policy?Qualifier=live", null, HttpStatusCode.OK);
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rev/policy?Qualifier=live",
            Statement("s4", policy["RevisionId"]!.GetValue<string>()), HttpStatusCode.Created);
    }
}
