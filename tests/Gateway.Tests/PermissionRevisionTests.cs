using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// The RevisionId of a resource-based policy, step by step as LocalStack recorded AWS in 2025-11
/// (test_lambda_api.snapshot.json: TestLambdaPermissions::test_lambda_permission_fn_versioning,
/// TestLambdaRevisions::test_function_revisions_permissions). The policy's RevisionId is its own: GetPolicy answers it,
/// a publish that changes $LATEST's RevisionId leaves it alone, and a stale one is refused on add and remove with
/// "Call the GetPolicy API" (as AWS's API reference says of PreconditionFailedException). Until 2024 AWS gave the
/// policy its resource's RevisionId; LocalStack now skips its test of that ("The API on AWS has changed significantly").
/// A first AddPermission, to a resource with no policy yet, is checked against the resource's own RevisionId (an alias's
/// recorded 2025-11; the function's recorded 2024-04; a version's by the same rule).
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

    /// <summary>LocalStack's test_lambda_permission_fn_versioning with boto3, every RevisionId compared as the recording
    /// relates them (its &lt;uuid:N&gt; names: equal values share a name). Preceded by test_function_revisions_permissions'
    /// recorded first step: a wrong RevisionId on a function with no policy.</summary>
    [Fact]
    public async Task The_policy_RevisionId_moves_on_its_own_as_AWS_recorded_it()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        await gateway.CreateFunctionAsync("perm-ver", FunctionZip.BashAnswering("{}"));
        await gateway.WaitUntilReadyAsync("perm-ver");
        var script = $$"""
            import boto3, json
            from botocore.exceptions import ClientError
            l = boto3.client("lambda", endpoint_url="{{gateway.BaseAddress.ToString().TrimEnd('/')}}", region_name="us-east-1",
                             aws_access_key_id="test", aws_secret_access_key="test")
            fn, out = "perm-ver", {}
            def error(call):
                try:
                    call()
                except ClientError as e:
                    return [e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"], e.response["Error"]["Message"], e.response.get("Type")]
                return None
            grant = dict(Action="lambda:InvokeFunction", StatementId="s3", Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::test-bucket")
            out["add_permission_revision_exception"] = error(lambda: l.add_permission(FunctionName=fn, RevisionId="wrong", **grant))
            l.add_permission(FunctionName=fn, **grant)
            out["get_policy"] = l.get_policy(FunctionName=fn)["RevisionId"]
            out["publish_version_result"] = l.publish_version(FunctionName=fn)["RevisionId"]
            l.get_waiter("published_version_active").wait(FunctionName=fn, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
            out["get_function_result_after_publishing"] = l.get_function(FunctionName=fn)["Configuration"]["RevisionId"]
            out["get_policy_after_publishing_latest"] = l.get_policy(FunctionName=fn)["RevisionId"]
            out["get_policy_after_publishing_new_version"] = error(lambda: l.get_policy(FunctionName=fn, Qualifier="1"))
            l.add_permission(FunctionName=fn + ":1", Qualifier="1", **grant)
            out["get_policy_version"] = l.get_policy(FunctionName=fn, Qualifier="1")["RevisionId"]
            out["create_alias_response"] = l.create_alias(FunctionName=fn, Name="permission-alias", FunctionVersion="1")["RevisionId"]
            out["get_alias"] = l.get_alias(FunctionName=fn, Name="permission-alias")["RevisionId"]
            out["add_permission_alias_revision_exception"] = error(lambda: l.add_permission(FunctionName=fn, Qualifier="permission-alias", RevisionId="wrong", **grant))
            l.add_permission(FunctionName=fn + ":permission-alias", Qualifier="permission-alias", RevisionId=out["create_alias_response"], **grant)
            out["get_policy_alias"] = l.get_policy(FunctionName=fn, Qualifier="permission-alias")["RevisionId"]
            out["get_policy_after_adding_to_new_version"] = l.get_policy(FunctionName=fn)["RevisionId"]
            l.add_permission(FunctionName=fn, RevisionId=out["get_policy_after_adding_to_new_version"], **dict(grant, StatementId="s3_2"))
            policy = l.get_policy(FunctionName=fn)
            out["get_policy_after_adding_2"] = policy["RevisionId"]
            out["sids_after_adding_2"] = [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]]
            print(json.dumps(out))
            """;
        var (exit, stdout, stderr) = await Processes.RunAsync("python3", ["-c", script], timeoutMs: 120_000);
        Assert.True(exit == 0, stderr);
        var recorded = JsonNode.Parse(stdout)!;
        string Revision(string step) => recorded[step]!.GetValue<string>();

        const string Stale = """[412,"PreconditionFailedException","The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id","User"]""";
        Assert.Equal(Stale, recorded["add_permission_revision_exception"]!.ToJsonString());
        Assert.Equal(Stale, recorded["add_permission_alias_revision_exception"]!.ToJsonString());
        Assert.Equal("""[404,"ResourceNotFoundException","The resource you requested does not exist.","User"]""", recorded["get_policy_after_publishing_new_version"]!.ToJsonString());
        Assert.Equal("""["s3","s3_2"]""", recorded["sids_after_adding_2"]!.ToJsonString());

        // uuid:1, the function's policy: kept through a publish that gave $LATEST a new RevisionId (uuid:3) and
        // through adds to the version and the alias, which are other policies.
        Assert.Equal(Revision("get_policy"), Revision("get_policy_after_publishing_latest"));
        Assert.Equal(Revision("get_policy"), Revision("get_policy_after_adding_to_new_version"));
        Assert.NotEqual(Revision("get_function_result_after_publishing"), Revision("get_policy_after_publishing_latest"));
        // uuid:5 twice: GetAlias answers CreateAlias's RevisionId, and the first add to the alias takes it.
        Assert.Equal(Revision("create_alias_response"), Revision("get_alias"));
        // Every other name is a value of its own: uuid:1, 2, 3, 4, 5, 6, 7.
        string[] distinct = ["get_policy", "publish_version_result", "get_function_result_after_publishing", "get_policy_version",
            "create_alias_response", "get_policy_alias", "get_policy_after_adding_2"];
        Assert.Equal(distinct.Length, distinct.Select(Revision).Distinct().Count());
    }

    /// <summary>RemovePermission takes GetPolicy's RevisionId, not GetFunction's, and refuses a stale one with AWS's
    /// 412 body (as AddPermission's, recorded 2025-11: 149 bytes, <c>{"Type":"User","message":…}</c>).</summary>
    [Fact]
    public async Task RemovePermission_takes_the_RevisionId_GetPolicy_answers_and_refuses_others_in_AWS_words()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        await gateway.CreateFunctionAsync("perm-rm", FunctionZip.BashAnswering("{}"));
        await gateway.WaitUntilReadyAsync("perm-rm");
        var latest = await gateway.GetFunctionConfigurationAsync("perm-rm");
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rm/policy",
            Statement("s3", latest["RevisionId"]!.GetValue<string>()), HttpStatusCode.Created);
        await gateway.SendAsync(HttpMethod.Post, "/2015-03-31/functions/perm-rm/versions", new JsonObject(), HttpStatusCode.Created);
        await gateway.WaitUntilReadyAsync("perm-rm");
        string function = (await gateway.GetFunctionConfigurationAsync("perm-rm"))["RevisionId"]!.GetValue<string>();
        string policy = (await gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/perm-rm/policy", null, HttpStatusCode.OK))["RevisionId"]!.GetValue<string>();
        Assert.NotEqual(function, policy);

        foreach (string stale in new[] { "wrong", function })
        {
            using var refused = await gateway.Client.DeleteAsync($"/2015-03-31/functions/perm-rm/policy/s3?RevisionId={stale}").WithTimeout();
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
            Assert.Equal("PreconditionFailedException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
            string body = await refused.Content.ReadAsStringAsync();
            Assert.Equal("""{"Type":"User","message":"The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"}""", body);
            Assert.Equal(149, Encoding.UTF8.GetByteCount(body));
        }

        await gateway.SendAsync(HttpMethod.Delete, $"/2015-03-31/functions/perm-rm/policy/s3?RevisionId={policy}", null, HttpStatusCode.NoContent);
        await gateway.SendAsync(HttpMethod.Get, "/2015-03-31/functions/perm-rm/policy", null, HttpStatusCode.NotFound); // no statement left
    }
}
