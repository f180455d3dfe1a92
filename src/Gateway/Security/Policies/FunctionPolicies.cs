using Gateway.Hosting;
using Gateway.Functions;
using Gateway.FunctionUrls;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security.Policies;

/// <summary>
/// The permission checks the gateway makes with resource policies, on AWS's rules (urls-auth.html, 2025-10 onwards;
/// access-control-resource-based.html):
/// <list type="bullet">
/// <item>An <c>AuthType: NONE</c> URL is called by an anonymous principal: the function's policy (or the alias's, for
/// an alias's URL) must allow <c>*</c> both <c>lambda:InvokeFunctionUrl</c> (with <c>lambda:FunctionUrlAuthType</c>
/// NONE in the request) and <c>lambda:InvokeFunction</c> (with <c>lambda:InvokedViaFunctionUrl</c> true) — "Starting
/// in October 2025, new function URLs will require both". Every URL here counts as new.</item>
/// <item>An <c>AWS_IAM</c> URL, after its signature is verified: a caller of the gateway's own account passes (its
/// identity policy would decide on AWS; identity policies are not modelled, so a verified same-account caller is
/// allowed everything); a caller of another account needs both actions granted by the policy.</item>
/// <item>Invoke and InvokeWithResponseStream (IAM action <c>lambda:InvokeFunction</c> for both): a caller of another
/// account needs the policy of exactly what it invoked (function, version or alias) to allow it; otherwise AWS's
/// AccessDeniedException.</item>
/// </list>
/// </summary>
internal sealed class FunctionPolicies(PolicyRegistry policies, FunctionResolver resolver, GatewayOptions options)
{
    public const string InvokeFunction = "lambda:InvokeFunction";
    public const string InvokeFunctionUrl = "lambda:InvokeFunctionUrl";

    public PolicyRegistry Registry => policies;

    /// <summary>May this request call this URL? <paramref name="caller"/> is the verified caller of an AWS_IAM URL;
    /// for a NONE URL it is ignored (the request is anonymous whoever sent it).</summary>
    public bool AllowsUrl(FunctionUrlRoute route, CallerIdentity caller)
    {
        bool none = route.AuthType == FunctionUrlAuthType.None;
        if (!none && caller.AccountId == options.AccountId)
        {
            return true;
        }
        string key = route.Qualifier ?? "";
        if (!policies.Current.TryGet(route.FunctionName, key, out var policy))
        {
            return false;
        }
        string arn = resolver.ArnOf(route.FunctionName);
        string resource = route.Qualifier is null ? arn : $"{arn}:{route.Qualifier}";
        var principal = none ? null : caller;
        string authType = none ? "NONE" : "AWS_IAM";
        return PolicyEvaluator.Allows(policy.Statements, new PolicyRequest(principal, InvokeFunctionUrl, resource, authType, InvokedViaFunctionUrl: true))
            && PolicyEvaluator.Allows(policy.Statements, new PolicyRequest(principal, InvokeFunction, resource, authType, InvokedViaFunctionUrl: true));
    }

    /// <summary>
    /// The Invoke API's check, after the name resolved: null to go on, or AWS's AccessDeniedException. With
    /// authentication off no middleware sets a caller and this is one feature lookup (no allocation): every request
    /// then acts as the gateway's own account, which owns every function here.
    /// </summary>
    public LambdaError? CheckInvoke(HttpContext context, in ResolvedTarget target)
    {
        if (context.Features.Fetch<ICallerIdentityFeature>() is not { } feature || feature.Caller.AccountId == options.AccountId)
        {
            return null;
        }
        var caller = feature.Caller;
        // $LATEST and the unqualified name share the function's policy; a version or alias has its own.
        string? qualifier = target.Qualifier is FunctionVersions.Latest ? null : target.Qualifier;
        string resource = qualifier is null ? target.Function.Arn : $"{target.Function.Arn}:{qualifier}";
        if (policies.Current.TryGet(target.Function.Name, qualifier ?? "", out var policy)
            && PolicyEvaluator.Allows(policy.Statements, new PolicyRequest(caller, InvokeFunction, resource, null, InvokedViaFunctionUrl: false)))
        {
            return null;
        }
        return Denied(caller, InvokeFunction, target.InvokedArn);
    }

    /// <summary>
    /// An Invoke whose FunctionName is an ARN of another account than the gateway's. The gateway holds one account's
    /// functions, so nothing here can grant access to that function: the caller gets what AWS answers a caller whose
    /// access no resource-based policy allows (AWS never says whether the function exists). Only when the ARN names
    /// the caller's own account (a signed caller of another account) does the resolver's plainer message stay: no
    /// policy is involved in calling one's own function, it is just not hosted here.
    /// </summary>
    public static LambdaError ForeignArn(HttpContext context, GatewayOptions options, in FunctionReference reference, LambdaError error)
    {
        if (error.ErrorType != "AccessDeniedException" || reference.AccountId is not { } account || account == options.AccountId)
        {
            return error;
        }
        var caller = context.CallerOf(options);
        if (caller.AccountId == account)
        {
            return error;
        }
        string arn = $"arn:aws:lambda:{reference.Region ?? options.Region}:{account}:function:{reference.Name}"
            + (reference.Qualifier is { } qualifier ? ":" + qualifier : "");
        return Denied(caller, InvokeFunction, arn);
    }

    /// <summary>AWS's refusal when no resource-based policy allows a caller of another account (IAM's wording, as
    /// Lambda answers it for cross-account calls; recorded for GetLayerVersion by LocalStack's provider).</summary>
    public static LambdaError Denied(CallerIdentity caller, string action, string resource) =>
        LambdaError.AccessDenied($"User: {caller.Arn} is not authorized to perform: {action} on resource: {resource} because no resource-based policy allows the {action} action");
}
