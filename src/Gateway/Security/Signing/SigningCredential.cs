using System.Text;

namespace Gateway.Security.Signing;

/// <summary>
/// One access key the gateway accepts: a section of the credentials file. <see cref="SecretKeyBytes"/> is
/// <c>"AWS4" + secret</c> in UTF-8, the HMAC key of the first step of SigV4's key derivation, made once.
/// </summary>
internal sealed class SigningCredential
{
    public SigningCredential(string section, string accessKeyId, string secretAccessKey, string? sessionToken, string accountId)
    {
        Section = section;
        AccessKeyId = accessKeyId;
        SessionToken = sessionToken;
        SecretKeyBytes = Encoding.UTF8.GetBytes("AWS4" + secretAccessKey);
        var arn = $"arn:aws:iam::{accountId}:user/{section}";
        Caller = new CallerIdentity(accountId, arn, accessKeyId, Verified: true) { UserId = IamUserId.For(arn) };
        CallerFeature = new CallerIdentityFeature(Caller, this);
        Keys = new SigningKeyCache(SecretKeyBytes);
    }

    /// <summary>The credentials file's section name (<c>[name]</c>): the IAM user name in the caller's ARN.</summary>
    public string Section { get; }

    public string AccessKeyId { get; }

    /// <summary>The <c>aws_session_token</c>: when set, a request must carry exactly it in <c>X-Amz-Security-Token</c>.</summary>
    public string? SessionToken { get; }

    public byte[] SecretKeyBytes { get; }

    /// <summary>The verified caller this key stands for (made once: a verified request allocates no identity).</summary>
    public CallerIdentity Caller { get; }

    /// <summary>The feature that carries <see cref="Caller"/> (immutable, so one serves every request of this key).</summary>
    public ICallerIdentityFeature CallerFeature { get; }

    /// <summary>The derived signing keys of this secret, per (date, region, service).</summary>
    public SigningKeyCache Keys { get; }
}
