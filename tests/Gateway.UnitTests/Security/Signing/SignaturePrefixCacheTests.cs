using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// The Authorization-prefix cache (<see cref="SignaturePrefix"/>): a request whose header's constant part was seen
/// before gets exactly the answer a verifier that never saw it gives — for a right signature, a tampered one, a wrong
/// secret, another key id, date, region, service or signed-header set, a skewed clock, a missing token — and the
/// entries belong to the verifier of one credentials file.
/// </summary>
public sealed class SignaturePrefixCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);
    private const string KeyId = "AKIACACHETEST0000001";
    private const string Secret = "cache-test-secret";

    private static RequestSigning Signing(string credentials = $"[a]\naws_access_key_id = {KeyId}\naws_secret_access_key = {Secret}\n")
        => new(new SigV4Verifier(CredentialsFile.Parse(credentials, "123456789012"), "us-east-1", new FixedClock(Now)));

    /// <summary>A request signed independently of the gateway's code (string concatenation and HMACSHA256, as AWS's
    /// General Reference spells it).</summary>
    private sealed record Signed(string Authorization, string AmzDate, string? Token, Dictionary<string, string> Headers, string Path)
    {
        public DefaultHttpContext ToContext(string? authorization = null)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "GET";
            context.Request.Path = Path;
            context.Features.Get<IHttpRequestFeature>()!.RawTarget = Path;
            foreach (var (name, value) in Headers)
            {
                context.Request.Headers[name] = value;
            }
            context.Request.Headers.Authorization = authorization ?? Authorization;
            context.Response.Body = new MemoryStream();
            return context;
        }
    }

    private static Signed Sign(string keyId = KeyId, string secret = Secret, DateTimeOffset? at = null, string? scopeDate = null,
        string region = "us-east-1", string service = "lambda", string[]? signedHeaders = null, string? token = null, string path = "/2015-03-31/functions")
    {
        var time = at ?? Now;
        string amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string date = scopeDate ?? amzDate[..8];
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = "gateway.test:9000",
            ["x-amz-date"] = amzDate,
            ["content-type"] = "application/json",
            ["x-amz-invocation-type"] = "RequestResponse",
        };
        if (token is not null)
        {
            headers["x-amz-security-token"] = token;
        }
        var names = (signedHeaders ?? ["host", "x-amz-date"]).Order(StringComparer.Ordinal).ToArray();
        string scope = $"{date}/{region}/{service}/aws4_request";
        string canonical = $"GET\n{path}\n\n" + string.Concat(names.Select(n => n + ":" + headers[n] + "\n")) + "\n"
            + string.Join(';', names) + "\n" + Convert.ToHexStringLower(SHA256.HashData([]));
        string stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        byte[] key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return new Signed($"AWS4-HMAC-SHA256 Credential={keyId}/{scope}, SignedHeaders={string.Join(';', names)}, Signature={signature}",
            amzDate, token, headers, path);
    }

    private static string Tamper(string authorization)
    {
        int at = authorization.Length - 5;
        return authorization[..at] + (authorization[at] == '0' ? '1' : '0') + authorization[(at + 1)..];
    }

    /// <summary>The answer: accepted, or the refusal's status, error type and body.</summary>
    private static async Task<string> Outcome(RequestSigning signing, DefaultHttpContext context, string service = "lambda")
    {
        var caller = await signing.VerifyAsync(context, service, RefusalShape.Lambda);
        return caller is not null
            ? "accepted " + caller.Arn
            : $"{context.Response.StatusCode} {context.Response.Headers["x-amzn-ErrorType"]} {SuiteCase.ResponseBody(context)}";
    }

    /// <summary>The warm verifier (its cache holds <paramref name="warmWith"/>'s prefix) and a fresh one answer alike.</summary>
    private static async Task<string> SameAsCold(Signed warmWith, Func<DefaultHttpContext> request, string service = "lambda", string? credentials = null)
    {
        var warm = credentials is null ? Signing() : Signing(credentials);
        Assert.StartsWith("accepted", await Outcome(warm, warmWith.ToContext()), StringComparison.Ordinal);
        Assert.Equal(1, warm.Verifier.Prefixes.Count);
        var cold = credentials is null ? Signing() : Signing(credentials);
        string expected = await Outcome(cold, request(), service);
        string actual = await Outcome(warm, request(), service);
        Assert.Equal(expected, actual);
        return actual;
    }

    [Fact]
    public async Task A_second_request_with_the_same_prefix_is_served_from_the_cache_and_verifies()
    {
        var signing = Signing();
        var first = Sign();
        Assert.StartsWith("accepted", await Outcome(signing, first.ToContext()), StringComparison.Ordinal);
        Assert.Equal(1, signing.Verifier.Prefixes.Count);
        // Another request a second later: the same prefix (credential, scope, signed headers), another signature.
        var second = Sign(at: Now.AddSeconds(1));
        Assert.NotEqual(first.Authorization, second.Authorization);
        Assert.StartsWith(first.Authorization[..^64], second.Authorization, StringComparison.Ordinal);
        Assert.Equal("accepted arn:aws:iam::123456789012:user/a", await Outcome(signing, second.ToContext()));
        Assert.Equal(1, signing.Verifier.Prefixes.Count); // a hit: nothing new was added
    }

    [Fact]
    public async Task A_tampered_signature_behind_a_cached_prefix_is_refused()
    {
        var signed = Sign(at: Now.AddSeconds(2));
        string outcome = await SameAsCold(Sign(), () => signed.ToContext(Tamper(signed.Authorization)));
        Assert.StartsWith("403 InvalidSignatureException", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_that_is_not_64_hex_digits_behind_a_cached_prefix_is_refused_as_before()
    {
        var signed = Sign(at: Now.AddSeconds(2));
        foreach (var authorization in new[]
        {
            signed.Authorization[..^1] + "g",
            signed.Authorization[..^1],
            signed.Authorization + "0",
            signed.Authorization + ", Signature=" + new string('0', 64),
            signed.Authorization[..^64] + new string('0', 63) + ",",
        })
        {
            string outcome = await SameAsCold(Sign(), () => signed.ToContext(authorization));
            Assert.DoesNotContain("accepted", outcome, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_same_prefix_signed_with_another_secret_is_refused()
    {
        var signed = Sign(secret: "not-the-secret", at: Now.AddSeconds(3));
        Assert.StartsWith(Sign().Authorization[..^64], signed.Authorization, StringComparison.Ordinal);
        string outcome = await SameAsCold(Sign(), () => signed.ToContext());
        Assert.StartsWith("403 InvalidSignatureException", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_key_id_date_region_service_or_signed_header_set_is_judged_afresh()
    {
        var warmWith = Sign();
        // Unknown key id.
        Assert.StartsWith("403 UnrecognizedClientException", await SameAsCold(warmWith, () => Sign(keyId: "AKIAOTHER").ToContext()), StringComparison.Ordinal);
        // Another region, another service's scope, another terminator-free scope date.
        Assert.Contains("valid region, not 'eu-west-1'", await SameAsCold(warmWith, () => Sign(region: "eu-west-1").ToContext()), StringComparison.Ordinal);
        Assert.Contains("correct service: 'lambda'", await SameAsCold(warmWith, () => Sign(service: "logs").ToContext()), StringComparison.Ordinal);
        Assert.Contains("Date in Credential scope does not match", await SameAsCold(warmWith, () => Sign(scopeDate: "20261205").ToContext()), StringComparison.Ordinal);
        // Another signed-header set: its own prefix, verified in full.
        Assert.StartsWith("accepted", await SameAsCold(warmWith, () => Sign(signedHeaders: ["content-type", "host", "x-amz-date", "x-amz-invocation-type"]).ToContext()), StringComparison.Ordinal);
        // The cached prefix presented to the other endpoint (the Logs API's service "logs"): refused for its scope.
        Assert.Contains("correct service: 'logs'", await SameAsCold(warmWith, () => Sign(at: Now.AddSeconds(1)).ToContext(), service: "logs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cached_prefix_still_has_each_request_s_date_clock_and_token_checked()
    {
        var warmWith = Sign();
        // The next day's X-Amz-Date under yesterday's cached scope: the scope-date refusal, word for word.
        Assert.Contains("Date in Credential scope does not match", await SameAsCold(warmWith, () => Sign(at: Now.AddDays(1), scopeDate: "20261206").ToContext()), StringComparison.Ordinal);
        // Outside the clock-skew window, either way (same day, so the same prefix).
        Assert.Contains("Signature expired", await SameAsCold(warmWith, () => Sign(at: Now.AddMinutes(-6)).ToContext()), StringComparison.Ordinal);
        Assert.Contains("Signature not yet current", await SameAsCold(warmWith, () => Sign(at: Now.AddMinutes(6)).ToContext()), StringComparison.Ordinal);
        // No X-Amz-Date at all.
        var undated = Sign(at: Now.AddSeconds(1));
        Assert.Contains("requires existence of either a 'X-Amz-Date' or a 'Date' header", await SameAsCold(warmWith, () =>
        {
            var context = undated.ToContext();
            context.Request.Headers.Remove("x-amz-date");
            return context;
        }), StringComparison.Ordinal);
        // A signed header changed after signing.
        Assert.StartsWith("403 InvalidSignatureException", await SameAsCold(warmWith, () =>
        {
            var context = undated.ToContext();
            context.Request.Headers.Host = "elsewhere:9000";
            return context;
        }), StringComparison.Ordinal);
        // A session token the key does not have, then a key that needs one and a request without it.
        Assert.StartsWith("403 UnrecognizedClientException", await SameAsCold(warmWith, () => Sign(at: Now.AddSeconds(1), token: "stray").ToContext()), StringComparison.Ordinal);
        string withToken = $"[a]\naws_access_key_id = {KeyId}\naws_secret_access_key = {Secret}\naws_session_token = tok\n";
        var tokened = Sign(token: "tok", signedHeaders: ["host", "x-amz-date", "x-amz-security-token"]);
        Assert.StartsWith("403 UnrecognizedClientException", await SameAsCold(tokened, () =>
        {
            var context = Sign(token: "tok", at: Now.AddSeconds(1), signedHeaders: ["host", "x-amz-date", "x-amz-security-token"]).ToContext();
            context.Request.Headers.Remove("x-amz-security-token");
            return context;
        }, credentials: withToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_belong_to_the_verifier_of_one_credentials_file()
    {
        // The credentials file is read once at start (SigningSetup); a changed or removed file takes a new verifier,
        // which starts with no entries: the old secret's cached prefix is not used.
        var old = Signing();
        var signed = Sign();
        Assert.StartsWith("accepted", await Outcome(old, signed.ToContext()), StringComparison.Ordinal);
        var changed = Signing($"[a]\naws_access_key_id = {KeyId}\naws_secret_access_key = rotated\n");
        Assert.Equal(0, changed.Verifier.Prefixes.Count);
        Assert.StartsWith("403 InvalidSignatureException", await Outcome(changed, Sign(at: Now.AddSeconds(1)).ToContext()), StringComparison.Ordinal);
        var removed = Signing("[b]\naws_access_key_id = AKIASOMEONEELSE\naws_secret_access_key = x\n");
        Assert.StartsWith("403 UnrecognizedClientException", await Outcome(removed, Sign(at: Now.AddSeconds(1)).ToContext()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_prefixes_verified_from_several_threads_at_once_get_their_own_answers()
    {
        // More prefixes than the cache holds (entries replaced while others read them), right and tampered signatures.
        var signing = Signing();
        var requests = Enumerable.Range(0, SignaturePrefixCache.Capacity * 2)
            .Select(i => Sign(at: Now.AddSeconds(i), signedHeaders: i % 2 == 0 ? ["host", "x-amz-date"] : ["content-type", "host", "x-amz-date"],
                path: $"/2015-03-31/functions/f{i}/configuration", scopeDate: null))
            .ToArray();
        int accepted = 0, refused = 0, wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(async () =>
        {
            for (int n = 0; n < 400; n++)
            {
                var signed = requests[(n * 7 + thread) % requests.Length];
                bool tamper = (n + thread) % 3 == 0;
                var context = signed.ToContext(tamper ? Tamper(signed.Authorization) : signed.Authorization);
                bool ok = await signing.VerifyAsync(context, "lambda", RefusalShape.Lambda) is not null;
                Interlocked.Increment(ref ok ? ref accepted : ref refused);
                if (ok == tamper)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));
        Assert.Equal(0, wrong);
        Assert.Equal(1600, accepted + refused);
        Assert.True(signing.Verifier.Prefixes.Count <= SignaturePrefixCache.Capacity);
    }

    public static TheoryData<string> Cases => SuiteCase.Names();

    /// <summary>AWS's SigV4 test suite through a warm cache: each case verifies again from its cached prefix, and the
    /// same prefix with one signature digit changed is refused.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_suite_case_verifies_again_from_its_cached_prefix(string name)
    {
        var suite = SuiteCase.Load(name);
        var signing = suite.Signing();
        for (int round = 0; round < 3; round++)
        {
            var context = SuiteCase.ToContext(suite.File("header-signed-request.txt"));
            Assert.True(await signing.VerifyAsync(context, suite.Service, RefusalShape.Lambda) is not null, SuiteCase.ResponseBody(context));
            await SuiteCase.ReadBodyAsync(context);
            Assert.Equal(1, signing.Verifier.Prefixes.Count);
        }
        var signature = suite.File("header-signature.txt").Trim();
        var changed = signature[..10] + (signature[10] == '0' ? '1' : '0') + signature[11..];
        var tampered = SuiteCase.ToContext(suite.File("header-signed-request.txt").Replace(signature, changed, StringComparison.Ordinal));
        bool refused = await signing.VerifyAsync(tampered, suite.Service, RefusalShape.Lambda) is null
            || await Assert.ThrowsAsync<SignatureMismatchException>(() => SuiteCase.ReadBodyAsync(tampered)) is not null;
        Assert.True(refused);
        Assert.Equal(403, tampered.Response.StatusCode);
        Assert.Equal(1, signing.Verifier.Prefixes.Count);
    }
}
