using System.Security.Cryptography;
using System.Text;

namespace Gateway.Security;

/// <summary>
/// An IAM user's unique id (<c>AIDA</c> and 17 characters, as IAM's are) for a user ARN: what a function URL's
/// <c>authorizer.iam.userId</c>/<c>callerId</c> show. Derived from the ARN, so the same caller has the same id across
/// requests and restarts, as with IAM; made once per credential (<see cref="Signing.SigningCredential"/>).
/// </summary>
internal static class IamUserId
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string For(string arn)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(arn), hash);
        Span<char> id = stackalloc char[21];
        "AIDA".AsSpan().CopyTo(id);
        for (int i = 4; i < id.Length; i++)
        {
            id[i] = Base32[hash[i] & 31];
        }
        return new string(id);
    }
}
