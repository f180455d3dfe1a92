using Gateway.Functions.Layers;
using Gateway.Management;
using Gateway.UnitTests.Functions.Code;

namespace Gateway.UnitTests.Functions.Layers;

/// <summary>Layer version permissions: the rules with AWS's recorded answers (LS-REC test_layer_policy_lifecycle and
/// test_layer_policy_exceptions), and the policy kept through the store and dropped with its version.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayerPolicyRulesTests : IDisposable
{
    private const string LayerArn = "arn:aws:lambda:us-east-1:000000000000:layer:lib";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static AddLayerVersionPermissionRequest Body(string sid, string principal = "*", string action = "lambda:GetLayerVersion", string? org = null) =>
        new() { StatementId = sid, Action = action, Principal = principal, OrganizationId = org };

    private static (string Statement, string RevisionId) Add(LayerRegistry registry, AddLayerVersionPermissionRequest body, string? revision = null)
    {
        var outcome = registry.Change("lib", 1, v => LayerPolicyRules.Add(v, LayerArn, 1, body, revision));
        Assert.True(outcome.IsOk, outcome.Error?.Message);
        return (Gateway.Security.Policies.PolicyDocument.Render(outcome.Value.Statement), outcome.Value.RevisionId);
    }

    private static LayerRegistry WithOneVersion(ILayerStore? store = null)
    {
        var registry = new LayerRegistry(store);
        registry.Publish("lib", n => LayerRegistryTests.Version("lib", n));
        return registry;
    }

    [Fact]
    public void Lifecycle_answers_as_AWS_recorded()
    {
        var registry = WithOneVersion();
        var get = LayerPolicyRules.Get(registry.Current.TryGetLive("lib", 1, out var v) ? v : null, LayerArn, 1);
        Assert.Equal((404, "ResourceNotFoundException", "No policy is associated with the given resource.", true, "User"),
            (get.Error!.Status, get.Error.ErrorType, get.Error.Message, get.Error.CapitalMessage, get.Error.Type));

        var (s1, rev1) = Add(registry, Body("s1"));
        Assert.Equal("""{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:000000000000:layer:lib:1"}""", s1);
        var (_, rev2) = Add(registry, Body("s2", principal: "123456789012", org: "o-abcdefghij"), revision: rev1);
        Assert.NotEqual(rev1, rev2);

        registry.Current.TryGetLive("lib", 1, out v);
        var policy = LayerPolicyRules.Get(v, LayerArn, 1).Value!;
        Assert.Equal(rev2, policy.RevisionId);
        Assert.Equal("""{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:000000000000:layer:lib:1"},{"Sid":"s2","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:000000000000:layer:lib:1","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}]}""",
            Gateway.Security.Policies.PolicyDocument.Render(policy.Statements));

        Assert.True(registry.Change("lib", 1, v => LayerPolicyRules.Remove(v, LayerArn, 1, "s2", rev2)).IsOk);
        registry.Current.TryGetLive("lib", 1, out v);
        Assert.NotEqual(rev2, v.Policy!.RevisionId);
        Assert.Equal(["s1"], v.Policy.Statements.Select(s => s.Sid));

        // The last statement gone, the policy goes: GetLayerVersionPolicy is "No policy…" again.
        Assert.True(registry.Change("lib", 1, v => LayerPolicyRules.Remove(v, LayerArn, 1, "s1", null)).IsOk);
        registry.Current.TryGetLive("lib", 1, out v);
        Assert.Null(v.Policy);
    }

    [Fact]
    public void Refusals_carry_AWS_messages_and_shapes()
    {
        var registry = WithOneVersion();
        var (_, revision) = Add(registry, Body("s1"));

        var duplicate = registry.Change("lib", 1, v => LayerPolicyRules.Add(v, LayerArn, 1, Body("s1"), null)).Error!;
        Assert.Equal((409, "ResourceConflictException", false, "User"), (duplicate.Status, duplicate.ErrorType, duplicate.CapitalMessage, duplicate.Type));
        Assert.Equal("The statement id (s1) provided already exists. Please provide a new statement id, or remove the existing statement.", duplicate.Message);

        var wrongAdd = registry.Change("lib", 1, v => LayerPolicyRules.Add(v, LayerArn, 1, Body("s2"), "wrong")).Error!;
        var wrongRemove = registry.Change("lib", 1, v => LayerPolicyRules.Remove(v, LayerArn, 1, "s1", "wrong")).Error!;
        foreach (var wrong in new[] { wrongAdd, wrongRemove })
        {
            Assert.Equal((412, "PreconditionFailedException", false, "User"), (wrong.Status, wrong.ErrorType, wrong.CapitalMessage, wrong.Type));
            Assert.Equal("The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id", wrong.Message);
        }

        var noStatement = registry.Change("lib", 1, v => LayerPolicyRules.Remove(v, LayerArn, 1, "doesnotexist", null)).Error!;
        Assert.Equal((404, "Statement doesnotexist is not found in resource policy.", true, "User"), (noStatement.Status, noStatement.Message, noStatement.CapitalMessage, noStatement.Type));

        var missing = registry.Change("lib", 2, v => LayerPolicyRules.Add(v, LayerArn, 2, Body("s1"), null)).Error!;
        Assert.Equal((404, "Layer version arn:aws:lambda:us-east-1:000000000000:layer:lib:2 does not exist.", true), (missing.Status, missing.Message, missing.CapitalMessage));
        Assert.Equal(missing, registry.Change("lib", 2, v => LayerPolicyRules.Remove(v, LayerArn, 2, "s1", null)).Error);
        Assert.Equal(missing, LayerPolicyRules.Get(null, LayerArn, 2).Error);
        Assert.Equal(revision, registry.Current.TryGetLive("lib", 1, out var v1) ? v1.Policy!.RevisionId : null); // nothing changed
    }

    [Fact]
    public void Model_constraints_are_one_validation_error()
    {
        var action = LayerPolicyRules.CheckBody(Body("s1", action: "*"))!;
        Assert.Equal((400, "ValidationException", false, (string?)null), (action.Status, action.ErrorType, action.CapitalMessage, action.Type));
        Assert.Equal("1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion", action.Message);

        Assert.Equal(@"1 validation error detected: Value 'someone' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root",
            LayerPolicyRules.CheckBody(Body("s1", principal: "someone"))!.Message);
        Assert.Equal("2 validation errors detected: Value 'a.b' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+); Value 'o-x' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}",
            LayerPolicyRules.CheckBody(Body("a.b", org: "o-x"))!.Message);
        Assert.StartsWith("3 validation errors detected: Value null at 'statementId'", LayerPolicyRules.CheckBody(new AddLayerVersionPermissionRequest())!.Message);
        Assert.Null(LayerPolicyRules.CheckBody(Body("s1", principal: "arn:aws:iam::123456789012:root", org: "o-abcdefghij")));
        Assert.NotNull(LayerPolicyRules.CheckStatementIdPath(new string('a', 101)));
    }

    [Fact]
    public void The_policy_survives_a_reopen_and_goes_with_its_version()
    {
        var path = _data.Combine("registry.db");
        string revision;
        using (var store = SqliteLayerStore.Open(path))
        {
            var registry = WithOneVersion(store);
            revision = Add(registry, Body("s1", principal: "123456789012", org: "o-abcdefghij")).RevisionId;
        }
        using (var store = SqliteLayerStore.Open(path))
        {
            var registry = new LayerRegistry(store);
            Assert.True(registry.Current.TryGetLive("lib", 1, out var v));
            Assert.Equal(revision, v.Policy!.RevisionId);
            Assert.Equal("arn:aws:iam::123456789012:root", v.Policy.Statements.Single().Principal.Value);
            Assert.Equal("o-abcdefghij", v.Policy.Statements.Single().Conditions.Single().Value);
            Assert.True(registry.Delete("lib", 1));
        }
        using (var store = SqliteLayerStore.Open(path))
        {
            var registry = new LayerRegistry(store);
            Assert.True(registry.Current.TryGetAny("lib", 1, out var deleted) && deleted.Deleted);
            Assert.Null(deleted.Policy);
        }
    }
}
