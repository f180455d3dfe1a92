using System.Security.Cryptography;
using System.Text;

namespace Gateway.Functions;

/// <summary>
/// The runtime version a zip function's environments run, as AWS names it in two places: the configuration's
/// <c>RuntimeVersionConfig.RuntimeVersionArn</c> (<c>arn:aws:lambda:{region}::runtime:{64 hex}</c>; LS-REC: every
/// Create/Get/Update/Publish answer of a zip function with a runtime, not the lists) and the <c>INIT_START</c> log line
/// each new environment writes (<c>INIT_START Runtime Version: python:3.13.v14\tRuntime Version ARN: arn:…</c>, AWS's
/// "Identifying Lambda runtime version changes"; JSON's platform.initStart carries both as runtimeVersion and
/// runtimeVersionArn). AWS's names one of its builds of the runtime; the gateway has one build of each, so its number
/// is always <c>v1</c> and its ARN's id the SHA-256 of the runtime's identifier: stable across calls and restarts,
/// which is what clients and log queries compare.
/// </summary>
internal static class RuntimeVersions
{
    /// <summary>The runtime version ARN of <paramref name="runtime"/> in <paramref name="region"/>.</summary>
    public static string Arn(string region, string runtime) =>
        $"arn:aws:lambda:{region}::runtime:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runtime)))}";

    /// <summary>
    /// The version's name: the runtime's family and release, then the build (<c>nodejs20.x</c> → <c>nodejs:20.v1</c>,
    /// <c>python3.12</c> → <c>python:3.12.v1</c>, <c>provided.al2023</c> → <c>provided:al2023.v1</c>, as AWS writes
    /// <c>nodejs:20.v13</c> and <c>provided:al2.v37</c>).
    /// </summary>
    public static string Name(string runtime)
    {
        int split = 0;
        while (split < runtime.Length && char.IsAsciiLetter(runtime[split]))
        {
            split++;
        }
        var release = runtime.AsSpan(split).TrimStart('.');
        if (release.EndsWith(".x", StringComparison.Ordinal))
        {
            release = release[..^2];
        }
        return release.IsEmpty ? $"{runtime}.v1" : $"{runtime.AsSpan(0, split)}:{release}.v1";
    }

    /// <summary>The region of a function ARN (<c>arn:aws:lambda:{region}:…</c>).</summary>
    public static string RegionOf(string functionArn)
    {
        var parts = functionArn.Split(':', 5);
        return parts.Length >= 4 ? parts[3] : "";
    }
}
