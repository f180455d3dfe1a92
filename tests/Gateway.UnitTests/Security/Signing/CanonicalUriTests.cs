using System.Text;
using Gateway.Security.Signing;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>
/// The canonical URI against an independent statement of SigV4's rule (botocore's <c>remove_dot_segments</c>, then every
/// byte but the unreserved ones percent-encoded once more), over random paths that mix plain ones (the Invoke API's
/// common case: nothing to remove or encode) with runs of slashes, dot segments, percent signs and non-ASCII.
/// </summary>
public sealed class CanonicalUriTests
{
    [Theory]
    [InlineData("/2015-03-31/functions/echo/invocations")]
    [InlineData("/")]
    [InlineData("/a/")]
    [InlineData("/a/.../b")]
    [InlineData("/a/./b")]
    [InlineData("/a/../b")]
    [InlineData("/a//b/")]
    [InlineData("/a/.")]
    [InlineData("/a/..")]
    [InlineData("/..")]
    [InlineData("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho/invocations")]
    [InlineData("/caf\u00e9/~x_y-z.")]
    [InlineData("/a/.b/..c/...")]
    [InlineData("/a/./")]
    [InlineData("/a/../")]
    [InlineData("//")]
    [InlineData("/%41")]
    [InlineData("/a b")]
    [InlineData("/a+b")]
    public void A_path_is_written_as_SigV4_canonicalises_it(string path)
        => Assert.Equal(Reference(path), Written(path));

    [Fact]
    public void Random_paths_match_the_reference()
    {
        var random = new Random(20261206);
        const string alphabet = "aZ09-_.~/%: é";
        for (int n = 0; n < 20_000; n++)
        {
            var path = new StringBuilder("/");
            int length = random.Next(0, 24);
            for (int i = 0; i < length; i++)
            {
                // Mostly plain characters and slashes, so about half the paths are already canonical.
                path.Append(random.Next(4) == 0 ? alphabet[random.Next(alphabet.Length)] : alphabet[random.Next(9)]);
            }
            Assert.Equal(Reference(path.ToString()), Written(path.ToString()));
        }
    }

    private static string Written(string path)
    {
        // One instance, written through and disposed: a copy of this struct disposed after the original grew would
        // return a pooled array twice, and hand it to two renters at once.
        var builder = new ByteBuilder(8); // small, so the growth path is taken too
        try
        {
            CanonicalRequest.WriteUri(ref builder, path);
            return Encoding.UTF8.GetString(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }

    private static string Reference(string path)
    {
        var kept = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (kept.Count > 0)
                {
                    kept.RemoveAt(kept.Count - 1);
                }
                continue;
            }
            kept.Add(segment);
        }
        var joined = "/" + string.Join('/', kept.Select(Encode)) + (path.EndsWith('/') && kept.Count > 0 ? "/" : "");
        return joined;
    }

    private static string Encode(string segment)
    {
        var text = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(segment))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2"));
            }
        }
        return text.ToString();
    }
}
