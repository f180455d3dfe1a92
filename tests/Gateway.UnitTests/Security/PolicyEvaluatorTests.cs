using System.Collections.Immutable;
using Gateway.Security;
using Gateway.Security.Policies;

namespace Gateway.UnitTests.Security;

public sealed class PolicyEvaluatorTests
{
    private const string Function = "arn:aws:lambda:us-east-1:000000000000:function:f";
    private static readonly CallerIdentity SameAccount = new("000000000000", "arn:aws:iam::000000000000:user/me", "AKIA1", Verified: true);
    private static readonly CallerIdentity Other = new("111111111111", "arn:aws:iam::111111111111:user/alice", "AKIA2", Verified: true);

    private static PolicyStatement Statement(PolicyPrincipal principal, string action = "lambda:InvokeFunction", string resource = Function, params PolicyCondition[] conditions) =>
        new("s", principal, action, resource, [.. conditions]);

    private static PolicyPrincipal Account(string account) => new(PrincipalKind.Aws, $"arn:aws:iam::{account}:root");

    private static bool Allows(PolicyStatement statement, CallerIdentity? caller, string action = "lambda:InvokeFunction", string resource = Function,
        string? authType = null, bool viaUrl = false) =>
        PolicyEvaluator.Allows([statement], new PolicyRequest(caller, action, resource, authType, viaUrl));

    [Fact]
    public void No_statement_allows_nothing() =>
        Assert.False(PolicyEvaluator.Allows([], new PolicyRequest(Other, "lambda:InvokeFunction", Function, null, false)));

    [Fact]
    public void An_account_root_principal_allows_every_principal_of_that_account_only()
    {
        var statement = Statement(Account("111111111111"));
        Assert.True(Allows(statement, Other));
        Assert.False(Allows(statement, SameAccount));
        Assert.False(Allows(statement, caller: null)); // anonymous
    }

    [Fact]
    public void A_principal_arn_allows_that_principal_only()
    {
        var statement = Statement(new PolicyPrincipal(PrincipalKind.Aws, "arn:aws:iam::111111111111:user/alice"));
        Assert.True(Allows(statement, Other));
        Assert.False(Allows(statement, Other with { Arn = "arn:aws:iam::111111111111:user/bob" }));
    }

    [Fact]
    public void Star_allows_anonymous_callers_and_a_service_principal_allows_no_caller()
    {
        Assert.True(Allows(Statement(PolicyPrincipal.Anyone), caller: null));
        Assert.True(Allows(Statement(PolicyPrincipal.Anyone), Other));
        Assert.False(Allows(Statement(new PolicyPrincipal(PrincipalKind.Service, "s3.amazonaws.com")), Other));
    }

    [Theory]
    [InlineData("lambda:InvokeFunction", true)]
    [InlineData("lambda:invokefunction", true)]
    [InlineData("lambda:*", true)]
    [InlineData("*", true)]
    [InlineData("lambda:GetFunction", false)]
    [InlineData("lambda:InvokeFunctionUrl", false)]
    public void Actions_match_by_name_or_wildcard_ignoring_case(string action, bool allowed) =>
        Assert.Equal(allowed, Allows(Statement(Account("111111111111"), action), Other));

    [Fact]
    public void A_statement_on_the_function_does_not_cover_its_aliases_and_the_reverse()
    {
        Assert.False(Allows(Statement(Account("111111111111")), Other, resource: Function + ":live"));
        Assert.True(Allows(Statement(Account("111111111111"), resource: Function + ":live"), Other, resource: Function + ":live"));
        Assert.False(Allows(Statement(Account("111111111111"), resource: Function + ":live"), Other));
    }

    [Fact]
    public void The_public_url_permission_needs_the_url_auth_type_in_the_request()
    {
        var statement = Statement(PolicyPrincipal.Anyone, "lambda:InvokeFunctionUrl", Function, new PolicyCondition("StringEquals", "lambda:FunctionUrlAuthType", "NONE"));
        Assert.True(Allows(statement, null, "lambda:InvokeFunctionUrl", authType: "NONE", viaUrl: true));
        Assert.False(Allows(statement, null, "lambda:InvokeFunctionUrl", authType: "AWS_IAM", viaUrl: true));
        Assert.False(Allows(statement, null, "lambda:InvokeFunctionUrl", authType: null));
    }

    [Fact]
    public void InvokedViaFunctionUrl_is_a_bool_key_that_is_false_for_the_invoke_api()
    {
        var statement = Statement(PolicyPrincipal.Anyone, conditions: new PolicyCondition("Bool", "lambda:InvokedViaFunctionUrl", "true"));
        Assert.True(Allows(statement, null, viaUrl: true));
        Assert.False(Allows(statement, Other, viaUrl: false));
    }

    [Fact]
    public void Conditions_on_keys_only_aws_services_set_never_hold_for_a_direct_caller()
    {
        Assert.False(Allows(Statement(PolicyPrincipal.Anyone, conditions: new PolicyCondition("StringEquals", "AWS:SourceAccount", "111111111111")), Other));
        Assert.False(Allows(Statement(PolicyPrincipal.Anyone, conditions: new PolicyCondition("ArnLike", "AWS:SourceArn", "arn:aws:s3:::*")), Other));
        Assert.False(Allows(Statement(PolicyPrincipal.Anyone, conditions: new PolicyCondition("StringEquals", "aws:PrincipalOrgID", "o-1234567890")), Other));
        Assert.False(Allows(Statement(PolicyPrincipal.Anyone, conditions: new PolicyCondition("StringEquals", "lambda:EventSourceToken", "t")), Other));
    }

    [Fact]
    public void Every_condition_must_hold()
    {
        var statement = Statement(PolicyPrincipal.Anyone, "lambda:InvokeFunctionUrl", Function,
            new PolicyCondition("StringEquals", "lambda:FunctionUrlAuthType", "NONE"), new PolicyCondition("Bool", "lambda:InvokedViaFunctionUrl", "false"));
        Assert.False(Allows(statement, null, "lambda:InvokeFunctionUrl", authType: "NONE", viaUrl: true));
    }

    [Theory]
    [InlineData("arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-1", true)]
    [InlineData("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-12", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    public void Glob_matches_as_iam_does(string pattern, string text, bool matches) =>
        Assert.Equal(matches, PolicyEvaluator.Glob(pattern, text, ignoreCase: false));
}
