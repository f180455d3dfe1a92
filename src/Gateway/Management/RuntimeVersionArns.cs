using System.Security.Cryptography;
using System.Text;

namespace Gateway.Management;

/// <summary>
/// The <c>RuntimeVersionConfig.RuntimeVersionArn</c> a zip function's configuration carries on AWS
/// (<c>arn:aws:lambda:{region}::runtime:{64 hex}</c>; LS-REC: every Create/Get/Update/Publish answer of a zip function
/// with a runtime, the lists and image functions have none). AWS's id names a build of the runtime; the gateway's is
/// the SHA-256 of the runtime's identifier, stable across calls and restarts, which is what clients compare.
/// </summary>
internal static class RuntimeVersionArns
{
    public static string For(string region, string runtime) =>
        $"arn:aws:lambda:{region}::runtime:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runtime)))}";

    /// <summary>The region of a function ARN (<c>arn:aws:lambda:{region}:…</c>).</summary>
    public static string RegionOf(string functionArn)
    {
        var parts = functionArn.Split(':', 5);
        return parts.Length >= 4 ? parts[3] : "";
    }
}
