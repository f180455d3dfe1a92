using Gateway.Functions;
using Gateway.Functions.Registry;
using Gateway.FunctionUrls;
using Gateway.Invoke;
using Gateway.Security;
using Gateway.Security.Policies;
using Gateway.UnitTests.Management;
using Microsoft.AspNetCore.Http;

namespace Gateway.UnitTests.Security;

/// <summary>The checks as the Invoke endpoint and the URL authorizer run them, with the caller the signing middleware
/// would set (a caller of another account: the case authentication off never produces).</summary>
public sealed class FunctionPoliciesTests
{
    private static readonly GatewayOptions Options = new() { Region = Records.Region, AccountId = Records.Account };
    private static readonly CallerIdentity Alice = new("111111111111", "arn:aws:iam::111111111111:user/alice", "AKIA", Verified: true);
    private readonly FunctionRegistry _functions = new(Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1"))), null);
    private readonly PolicyRegistry _policies;
    private readonly FunctionResolver _resolver;
    private readonly FunctionPolicies _checks;

    public FunctionPoliciesTests()
    {
        _policies = new PolicyRegistry(_functions, null);
        _resolver = new FunctionResolver(_functions, Records.Region, Records.Account, RoutingRandom.Create(1));
        _checks = new FunctionPolicies(_policies, _resolver, Options);
    }

    private void Grant(string? qualifier, string principal, string action = "lambda:InvokeFunction", string? urlAuthType = null, bool? viaUrl = null, string sid = "s")
    {
        var request = new AddPermissionRequest { StatementId = sid, Principal = principal, Action = action, FunctionUrlAuthType = urlAuthType, InvokedViaFunctionUrl = viaUrl };
        var outcome = _policies.Change((functions, snapshot) => PolicyRules.Add(functions, snapshot, _resolver, "f", qualifier, request));
        Assert.True(outcome.IsOk, outcome.Error?.Message);
    }

    private static HttpContext As(CallerIdentity? caller)
    {
        var context = new DefaultHttpContext();
        if (caller is not null)
        {
            context.Features.Set<ICallerIdentityFeature>(new CallerIdentityFeature(caller));
        }
        return context;
    }

    private ResolvedTarget Target(string? qualifier)
    {
        Assert.True(_resolver.TryResolveQualifier(_functions.Current.All.Single(), qualifier, pickWeighted: false, out var target, out _));
        return target;
    }

    [Fact]
    public void With_authentication_off_and_for_the_gateways_own_account_invokes_pass()
    {
        Assert.Null(_checks.CheckInvoke(As(null), Target(null)));
        Assert.Null(_checks.CheckInvoke(As(Alice with { AccountId = Records.Account }), Target("live")));
    }

    [Fact]
    public void A_caller_of_another_account_needs_the_policy_of_exactly_what_it_invokes()
    {
        var denied = _checks.CheckInvoke(As(Alice), Target("live"))!;
        Assert.Equal((403, "AccessDeniedException"), (denied.Status, denied.ErrorType));
        Assert.Equal($"User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:InvokeFunction on resource: {Records.ArnOf("f")}:live because no resource-based policy allows the lambda:InvokeFunction action",
            denied.Message);

        Grant(null, "111111111111");
        Assert.Null(_checks.CheckInvoke(As(Alice), Target(null)));
        Assert.Null(_checks.CheckInvoke(As(Alice), Target("$LATEST"))); // $LATEST is the function's policy
        Assert.NotNull(_checks.CheckInvoke(As(Alice), Target("live"))); // the function's grant does not cover the alias
        Assert.NotNull(_checks.CheckInvoke(As(Alice with { AccountId = "222222222222", Arn = "arn:aws:iam::222222222222:user/bob" }), Target(null)));

        Grant("live", "arn:aws:iam::111111111111:user/alice");
        Assert.Null(_checks.CheckInvoke(As(Alice), Target("live")));
        Assert.NotNull(_checks.CheckInvoke(As(Alice with { Arn = "arn:aws:iam::111111111111:user/carol" }), Target("live")));
    }

    [Fact]
    public void A_grant_limited_to_url_invokes_does_not_open_the_invoke_api()
    {
        Grant(null, "*", viaUrl: true);
        Assert.NotNull(_checks.CheckInvoke(As(Alice), Target(null)));
    }

    [Fact]
    public void A_NONE_url_needs_both_public_grants_whoever_calls()
    {
        var route = new FunctionUrlRoute("id", "f", null, FunctionUrlAuthType.None, null, FunctionUrlInvokeMode.Buffered, "d");
        var sameAccount = CallerIdentity.Unverified(Records.Account);
        Assert.False(_checks.AllowsUrl(route, sameAccount));
        Grant(null, "*", "lambda:InvokeFunctionUrl", urlAuthType: "NONE", sid: "url");
        Assert.False(_checks.AllowsUrl(route, sameAccount));
        Grant(null, "*", viaUrl: true, sid: "invoke");
        Assert.True(_checks.AllowsUrl(route, sameAccount));
        Assert.False(_checks.AllowsUrl(route with { Qualifier = "live" }, sameAccount)); // the alias's URL needs the alias's grants
    }

    [Fact]
    public void A_grant_to_an_account_does_not_make_a_NONE_url_public()
    {
        var route = new FunctionUrlRoute("id", "f", null, FunctionUrlAuthType.None, null, FunctionUrlInvokeMode.Buffered, "d");
        Grant(null, Records.Account, "lambda:InvokeFunctionUrl", sid: "url");
        Grant(null, Records.Account, sid: "invoke");
        Assert.False(_checks.AllowsUrl(route, CallerIdentity.Unverified(Records.Account))); // the request is anonymous
    }

    [Fact]
    public void An_AWS_IAM_url_lets_its_own_account_in_and_another_account_only_with_both_grants()
    {
        var route = new FunctionUrlRoute("id", "f", null, FunctionUrlAuthType.AwsIam, null, FunctionUrlInvokeMode.Buffered, "d");
        Assert.True(_checks.AllowsUrl(route, CallerIdentity.Unverified(Records.Account)));
        Assert.False(_checks.AllowsUrl(route, Alice));
        Grant(null, "111111111111", "lambda:InvokeFunctionUrl", urlAuthType: "AWS_IAM", sid: "url");
        Assert.False(_checks.AllowsUrl(route, Alice));
        Grant(null, "111111111111", sid: "invoke");
        Assert.True(_checks.AllowsUrl(route, Alice));
    }

    [Fact]
    public void An_arn_of_another_account_gets_awss_refusal_unless_it_is_the_callers_own()
    {
        var original = LambdaError.AccessDenied("The function's account 111111111111 is not this gateway's account (000000000000).");
        var reference = new FunctionReference("f", "live", null, "111111111111");
        var foreign = FunctionPolicies.ForeignArn(As(null), Options, reference, original);
        Assert.Equal($"User: arn:aws:iam::{Records.Account}:root is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:{Records.Region}:111111111111:function:f:live because no resource-based policy allows the lambda:InvokeFunction action",
            foreign.Message);
        Assert.Same(original, FunctionPolicies.ForeignArn(As(Alice), Options, reference, original));
        var notFound = LambdaError.ResourceNotFound("Function not found");
        Assert.Same(notFound, FunctionPolicies.ForeignArn(As(null), Options, reference, notFound));
    }
}
