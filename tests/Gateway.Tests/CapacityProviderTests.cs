using System.Text.Json.Nodes;

namespace Gateway.Tests;

/// <summary>
/// Capacity providers (Lambda Managed Instances, API 2025-11-30) through botocore, as an account without any sees them
/// on AWS: an empty list, AWS's 404 "Capacity provider not found: {arn}" for any name (the text AWS gave a tagged
/// capacity-provider ARN, LS-REC TestLambdaTag::test_tag_exceptions[capacity_provider]), and the model's constraints
/// (service-2.json: MaxItems 1–50, State an enum, CapacityProviderName 1–140 and its pattern) as ValidationException.
/// botocore's own parameter checks are off, so out-of-range values reach the gateway as a raw client would send them.
/// </summary>
public sealed class CapacityProviderTests
{
    private const string Arn = "arn:aws:lambda:us-east-1:000000000000:capacity-provider:";

    [Fact]
    public async Task Capacity_providers_list_empty_are_never_found_and_are_validated_as_the_model_says()
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        using (var raw = await gateway.Client.GetAsync("/2025-11-30/capacity-providers").WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
            Assert.Equal("""{"CapacityProviders":[]}""", await raw.Content.ReadAsStringAsync());
        }

        var answers = await BotoCalls.RunAsync(gateway, $$"""
            call("list", lambda: l.list_capacity_providers())
            call("list_filtered", lambda: l.list_capacity_providers(State="Active", MaxItems=50))
            out["paginated"] = [p["CapacityProviders"] for p in l.get_paginator("list_capacity_providers").paginate()]
            call("list_max_0", lambda: l.list_capacity_providers(MaxItems=0))
            call("list_max_51", lambda: l.list_capacity_providers(MaxItems=51))
            call("list_bad_state_and_max", lambda: l.list_capacity_providers(State="Running", MaxItems=51))
            call("get", lambda: l.get_capacity_provider(CapacityProviderName="cp1"))
            call("get_arn", lambda: l.get_capacity_provider(CapacityProviderName="{{Arn}}cp1"))
            call("get_bad_name", lambda: l.get_capacity_provider(CapacityProviderName="cp.1"))
            call("get_long_name", lambda: l.get_capacity_provider(CapacityProviderName="c" * 141))
            call("update", lambda: l.update_capacity_provider(CapacityProviderName="cp1"))
            call("delete", lambda: l.delete_capacity_provider(CapacityProviderName="cp1"))
            call("versions", lambda: l.list_function_versions_by_capacity_provider(CapacityProviderName="cp1"))
            call("versions_max_51", lambda: l.list_function_versions_by_capacity_provider(CapacityProviderName="cp1", MaxItems=51))
            call("create", lambda: l.create_capacity_provider(CapacityProviderName="cp1",
                VpcConfig={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
                PermissionsConfig={"CapacityProviderOperatorRoleArn": "arn:aws:iam::000000000000:role/operator"}))
            """);
        string Answer(string name) => answers[name]!.ToJsonString();
        static string Invalid(string entries) => $$"""[400,"ValidationException",{{JsonValue.Create(entries).ToJsonString()}},null]""";

        Assert.Equal("""{"CapacityProviders":[]}""", Answer("list"));
        Assert.Equal("""{"CapacityProviders":[]}""", Answer("list_filtered"));
        Assert.Equal("[[]]", Answer("paginated"));
        Assert.Equal(Invalid("1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"), Answer("list_max_0"));
        Assert.Equal(Invalid("1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50"), Answer("list_max_51"));
        Assert.Equal(Invalid("2 validation errors detected: Value 'Running' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Pending, Active, Failed, Deleting]; "
            + "Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50"), Answer("list_bad_state_and_max"));

        string notFound = $$"""[404,"ResourceNotFoundException","Capacity provider not found: {{Arn}}cp1","User"]""";
        foreach (var operation in new[] { "get", "get_arn", "update", "delete", "versions" })
        {
            Assert.True(notFound == Answer(operation), operation + ": " + Answer(operation));
        }
        const string Pattern = @"(arn:aws[a-zA-Z-]*:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";
        Assert.Equal(Invalid("1 validation error detected: Value 'cp.1' at 'capacityProviderName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + Pattern), Answer("get_bad_name"));
        Assert.Equal(Invalid($"1 validation error detected: Value '{new string('c', 141)}' at 'capacityProviderName' failed to satisfy constraint: Member must have length less than or equal to 140"), Answer("get_long_name"));
        Assert.Equal(Invalid("1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50"), Answer("versions_max_51"));

        var create = answers["create"]!.AsArray();
        Assert.Equal(400, create[0]!.GetValue<int>());
        Assert.Equal("InvalidParameterValueException", create[1]!.GetValue<string>());
        Assert.StartsWith("Capacity providers are not served by this gateway", create[2]!.GetValue<string>());
    }
}
