using System.Text;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Fuzz.Targets;

/// <summary>
/// SigV4 (src/Gateway/Security/Signing): a request as text — request line, <c>Name:value</c> header lines, an empty
/// line, the body — through <see cref="RequestSigning.VerifyAsync"/> with AWS's test-suite key (AKIDEXAMPLE, region
/// us-east-1, service <c>service</c>, the clock at 2015-08-30T12:36:00Z), and the body read to its end as an endpoint
/// reads it. The corpus is the suite's own signed requests, so mutations start from signatures that verify and walk
/// through the canonical request (path and query encoding, header folding, the signed-header list, the payload hash).
/// An input that starts with '[' is a credentials file for <see cref="CredentialsFile.Parse"/> instead.
/// Refusals: a null caller with the refusal written (status, x-amzn-ErrorType), <see cref="SignatureMismatchException"/>
/// at the body's end, <see cref="FormatException"/> from the credentials file.
/// </summary>
internal static class SigV4Target
{
    private static readonly RequestSigning Signing = new(new SigV4Verifier(
        CredentialsFile.Parse("[suite]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n", "123456789012"),
        "us-east-1", new FixedClock(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero))));

    public static void Run(byte[] data)
    {
        if (data.Length > 0 && data[0] == (byte)'[')
        {
            try
            {
                var keys = CredentialsFile.Parse(Encoding.UTF8.GetString(data), "123456789012");
                FuzzInvariantException.Check(keys.Count > 0, "a credentials file accepted with no key");
            }
            catch (FormatException)
            {
            }
            return;
        }
        var context = ToContext(data);
        if (context is null)
        {
            return; // not a request Kestrel would have passed on
        }
        var caller = Signing.VerifyAsync(context, "service", RefusalShape.Lambda).AsTask().GetAwaiter().GetResult();
        if (caller is null)
        {
            FuzzInvariantException.Check(context.Response.StatusCode >= 400 && context.Response.Headers.ContainsKey("x-amzn-ErrorType"),
                $"refused without a refusal: status {context.Response.StatusCode}");
            return;
        }
        try
        {
            ReadBody(context.Request.BodyReader);
        }
        catch (SignatureMismatchException)
        {
            FuzzInvariantException.Check(context.Response.StatusCode == 403, $"body refused with status {context.Response.StatusCode}");
        }
    }

    private static void ReadBody(System.IO.Pipelines.PipeReader reader)
    {
        while (true)
        {
            var result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>The request as Kestrel would hand it on: method a token, the target visible ASCII starting with '/',
    /// header names tokens and values visible ASCII (a line starting with a space or tab continues the previous value,
    /// as the suite writes folded headers), Content-Length as the body's framing.</summary>
    private static DefaultHttpContext? ToContext(byte[] data)
    {
        var (requestLine, rest) = Input.SplitLine(data);
        var line = Input.HeaderValue(requestLine.Span).TrimEnd('\r');
        int firstSpace = line.IndexOf(' ');
        int version = line.LastIndexOf(" HTTP/", StringComparison.Ordinal);
        if (firstSpace <= 0 || version <= firstSpace)
        {
            return null;
        }
        string method = Input.Token(Encoding.ASCII.GetBytes(line[..firstSpace]));
        string target = line[(firstSpace + 1)..version].Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal);
        if (method.Length == 0 || target.Length == 0 || target[0] != '/')
        {
            return null;
        }
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        int q = target.IndexOf('?');
        request.Path = new PathString(Uri.UnescapeDataString(q < 0 ? target : target[..q]));
        request.QueryString = q < 0 ? QueryString.Empty : new QueryString(target[q..]);

        var headers = new List<(string Name, string Value)>();
        while (rest.Length > 0)
        {
            var (headerLine, next) = Input.SplitLine(rest);
            rest = next;
            var text = Input.HeaderValue(headerLine.Span).TrimEnd('\r');
            if (text.Length == 0)
            {
                break;
            }
            if (text[0] is ' ' or '\t')
            {
                if (headers.Count > 0)
                {
                    headers[^1] = (headers[^1].Name, headers[^1].Value + " " + text.Trim());
                }
                continue;
            }
            int colon = text.IndexOf(':');
            string name = Input.Token(Encoding.ASCII.GetBytes(colon < 0 ? text : text[..colon]));
            if (name.Length > 0)
            {
                headers.Add((name, colon < 0 ? "" : text[(colon + 1)..].Trim(' ', '\t')));
            }
        }
        foreach (var group in headers.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
        {
            request.Headers[group.Key] = group.Select(h => h.Value).ToArray();
        }
        byte[] body = rest.ToArray();
        if (request.Headers.ContentLength is null && body.Length > 0)
        {
            request.ContentLength = body.Length;
        }
        else if (request.Headers.ContentLength is long declared && declared != body.Length)
        {
            // Kestrel frames the body by Content-Length: the endpoint sees exactly that many bytes or an aborted request.
            if (declared > body.Length)
            {
                return null;
            }
            body = body[..(int)declared];
        }
        request.Body = new MemoryStream(body);
        context.Response.Body = new MemoryStream();
        return context;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
