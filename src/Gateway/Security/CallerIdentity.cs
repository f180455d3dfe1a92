using Gateway.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.Security;

/// <summary>
/// Who sent a request, as far as the gateway knows. With <c>--auth sigv4</c> the request-signing middleware sets it
/// from the verified credentials (access key → the credentials file's section and account); with authentication off
/// (the local default) nobody is verified and every request acts as the gateway's own account, as the aws CLI's
/// calls against Lambda itself would. Resource-based policies (AddPermission) decide on <see cref="AccountId"/> and
/// <see cref="Arn"/>.
/// </summary>
internal sealed record CallerIdentity(string AccountId, string Arn, string? AccessKeyId, bool Verified)
{
    /// <summary>IAM's unique id of a verified caller (<see cref="IamUserId"/>), made once per credential; null otherwise.</summary>
    public string? UserId { get; init; }

    /// <summary>The caller when authentication is off: the gateway's own account, unverified.</summary>
    public static CallerIdentity Unverified(string accountId) => new(accountId, $"arn:aws:iam::{accountId}:root", null, Verified: false);
}

/// <summary>Carries the <see cref="CallerIdentity"/> on <c>HttpContext.Features</c>.</summary>
internal interface ICallerIdentityFeature
{
    CallerIdentity Caller { get; }

    /// <summary>The credentials file's key the request was verified with (what presigns the links an answer gives
    /// back, e.g. GetFunction's Code.Location); null when nothing was verified.</summary>
    Signing.SigningCredential? Credential { get; }
}

internal sealed class CallerIdentityFeature(CallerIdentity caller, Signing.SigningCredential? credential = null) : ICallerIdentityFeature
{
    public CallerIdentity Caller { get; } = caller;

    public Signing.SigningCredential? Credential { get; } = credential;
}

internal static class CallerIdentityExtensions
{
    /// <summary>The verified caller, or the gateway's own account when no middleware set one (authentication off).</summary>
    public static CallerIdentity CallerOf(this HttpContext context, GatewayOptions options) =>
        context.Features.Fetch<ICallerIdentityFeature>()?.Caller ?? CallerIdentity.Unverified(options.AccountId);
}
