using System.Text.Json;
using Gateway.Security.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.UnitTests.Security.Signing;

/// <summary>A clock that says what the test says.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>One case of AWS's SigV4 test suite (aws-signing-test-suite/SOURCE.md) as an HTTP request.</summary>
internal sealed class SuiteCase
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Security", "Signing", "aws-signing-test-suite", "v4");

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }
        return data;
    }

    public required string Name { get; init; }
    public required string AccessKeyId { get; init; }
    public required string Secret { get; init; }
    public string? Token { get; init; }
    public required string Region { get; init; }
    public required string Service { get; init; }
    public required DateTimeOffset Time { get; init; }
    /// <summary>The suite's "omit_session_token": the signer added X-Amz-Security-Token after signing (a service such
    /// as IoT takes it unsigned); in a presigned query that leaves a parameter out of the signature.</summary>
    public bool OmitSessionToken { get; init; }

    public static SuiteCase Load(string name)
    {
        using var context = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Root, name, "context.json")));
        var root = context.RootElement;
        var credentials = root.GetProperty("credentials");
        return new SuiteCase
        {
            Name = name,
            AccessKeyId = credentials.GetProperty("access_key_id").GetString()!,
            Secret = credentials.GetProperty("secret_access_key").GetString()!,
            Token = credentials.TryGetProperty("token", out var token) ? token.GetString() : null,
            Region = root.GetProperty("region").GetString()!,
            Service = root.GetProperty("service").GetString()!,
            OmitSessionToken = root.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean(),
            Time = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public string File(string file) => System.IO.File.ReadAllText(Path.Combine(Root, Name, file));

    public RequestSigning Signing(FixedClock? clock = null)
    {
        var text = $"[suite]\naws_access_key_id = {AccessKeyId}\naws_secret_access_key = {Secret}\n" + (Token is null ? "" : $"aws_session_token = {Token}\n");
        return new RequestSigning(new SigV4Verifier(CredentialsFile.Parse(text, "123456789012"), Region, clock ?? new FixedClock(Time)));
    }

    /// <summary>Parses a suite request file (request line, headers with folded continuation lines, body) into a context.</summary>
    public static DefaultHttpContext ToContext(string text, byte[]? bodyOverride = null)
    {
        var lines = text.Split('\n');
        var requestLine = lines[0];
        int firstSpace = requestLine.IndexOf(' ');
        int version = requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal);
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = requestLine[..firstSpace];
        string target = requestLine[(firstSpace + 1)..version];
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        int q = target.IndexOf('?');
        request.Path = new PathString(Uri.UnescapeDataString(q < 0 ? target : target[..q]));
        request.QueryString = q < 0 ? QueryString.Empty : new QueryString(target[q..]);
        var headers = new List<(string Name, string Value)>();
        int i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            if (lines[i][0] is ' ' or '\t')
            {
                headers[^1] = (headers[^1].Name, headers[^1].Value + " " + lines[i]);
                continue;
            }
            int colon = lines[i].IndexOf(':');
            headers.Add((lines[i][..colon], lines[i][(colon + 1)..]));
        }
        foreach (var group in headers.GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
        {
            request.Headers[group.Key] = group.Select(h => h.Value).ToArray();
        }
        var rest = string.Join('\n', lines.Skip(i + 1));
        byte[] body = bodyOverride ?? (request.ContentLength is long length ? System.Text.Encoding.UTF8.GetBytes(rest)[..(int)length] : []);
        request.Body = new MemoryStream(body);
        context.Response.Body = new MemoryStream();
        return context;
    }

    public static string ResponseBody(HttpContext context) => System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    /// <summary>Reads the request body to its end the way endpoints do.</summary>
    public static async Task ReadBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
