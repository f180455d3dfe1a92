using System.Net.Sockets;
using System.Text.Json;

namespace Gateway.Tests;

/// <summary>
/// Bad input refused as AWS refuses it: a payload that is not JSON is 400 InvalidRequestContentException (not run,
/// not queued), a function name over 256 characters is 400 ValidationException (not 404) — over raw HTTP, as curl
/// sends it, and through both aws CLIs.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class BadInputTests(SharedGateway shared)
{
    private const string Source = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: ";

    private GatewayProcess Gateway => shared.Gateway;

    public static TheoryData<string, string?> InvocationTypes => new()
    {
        { "/2015-03-31/functions/echo/invocations", null },
        { "/2015-03-31/functions/echo/invocations", "Event" },
        { "/2021-11-15/functions/echo/response-streaming-invocations", null },
    };

    [Theory]
    [MemberData(nameof(InvocationTypes))]
    public async Task Abc_is_refused_with_Jacksons_unrecognized_token(string path, string? type)
    {
        var (status, headers, body) = await PostRawAsync(path, "abc"u8.ToArray(), type);

        Assert.Equal(400, status);
        Assert.Equal("InvalidRequestContentException", headers["x-amzn-errortype"]);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("User", json.GetProperty("Type").GetString());
        Assert.Equal("Could not parse request body into json: Could not parse payload into json: Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')" + Source + "4]",
            json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{bad", "Unexpected character ('b' (code 98)): was expecting double-quote to start field name")]
    [InlineData("{\"a\":1", "Unexpected end-of-input: expected close marker for Object")]
    [InlineData("{} trailing", "Unexpected character ('t' (code 116))")]
    [InlineData("[1,]", "Unexpected character (']' (code 93)): expected a value")]
    public async Task Other_malformed_payloads_are_refused_sync_and_Event(string payload, string expected)
    {
        foreach (var type in new[] { null, "Event" })
        {
            var (status, headers, body) = await PostRawAsync("/2015-03-31/functions/echo/invocations", Encoding.UTF8.GetBytes(payload), type);
            Assert.Equal(400, status);
            Assert.Equal("InvalidRequestContentException", headers["x-amzn-errortype"]);
            Assert.Contains(expected, JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task Invalid_utf8_gets_the_message_recorded_from_AWS()
    {
        var (status, _, body) = await PostRawAsync("/2015-03-31/functions/echo/invocations", [(byte)'n', 0x87, (byte)'r', 0x9E, 0xE9, 0xB5, 0xD7, (byte)'I', 0xEE, 0x9B, (byte)'m', (byte)'t'], null);

        Assert.Equal(400, status);
        Assert.Equal("Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x87" + Source + "3]",
            JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_malformed_body_sent_chunked_in_pieces_is_refused_too()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port).WithTimeout(10_000);
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync("POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray());
        foreach (var piece in new[] { "{\"a\":[1,", "2,{\"b\":\"c", "\"}] x" })
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:X}\r\n{piece}\r\n"));
            await stream.FlushAsync();
            await Task.Delay(20); // separate reads on the gateway's side (not a timing assertion)
        }
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        Assert.StartsWith("HTTP/1.1 400", await StatusLine.ReadAsync(stream).WithTimeout(30_000));
    }

    [Theory]
    [InlineData("/2015-03-31/functions/echo/invocations", null)]
    [InlineData("/2015-03-31/functions/echo/invocations", "Event")]
    [InlineData("/2015-03-31/functions/echo/configuration", null)]
    public async Task A_body_whose_chunked_framing_is_broken_is_a_400_and_a_close_not_an_empty_200(string path, string? type)
    {
        // "zz" is not a chunk size: Kestrel cannot read the body. It used to be taken for a client that hung up, and the
        // empty answer went out as 200 OK: an SDK saw an Invoke (or a management change) succeed that never happened.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Gateway.BaseAddress.Host, Gateway.BaseAddress.Port).WithTimeout(10_000);
        using var stream = new NetworkStream(socket);
        var method = path.EndsWith("/configuration", StringComparison.Ordinal) ? "PUT" : "POST";
        var typeHeader = type is null ? "" : $"X-Amz-Invocation-Type: {type}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: gateway\r\n{typeHeader}Transfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"));
        var status = await StatusLine.ReadAsync(stream).WithTimeout(30_000);
        Assert.StartsWith("HTTP/1.1 400", status);
    }

    [Theory]
    [InlineData("", "{}")]       // no payload (botocore sends none without --payload): the function gets {}, as on AWS
    [InlineData(" \r\n\t", "{}")] // JSON whitespace only: no content either
    [InlineData("\"x\"", "\"x\"")]
    [InlineData("123", "123")]
    [InlineData(" null ", " null ")]
    public async Task Empty_bodies_and_JSON_scalars_are_accepted(string payload, string echoed)
    {
        using var response = await Gateway.InvokeAsync("echo", payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(echoed, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DryRun_does_not_read_the_body()
    {
        var (status, _, _) = await PostRawAsync("/2015-03-31/functions/echo/invocations", "abc"u8.ToArray(), "DryRun");
        Assert.Equal(204, status);
    }

    [Theory]
    [InlineData("")]                                                  // bare name
    [InlineData("000000000000:function:")]                            // partial ARN
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:")]  // full ARN
    public async Task A_function_name_over_256_characters_is_a_ValidationException_not_a_404(string prefix)
    {
        var name = prefix + new string('f', 257 - prefix.Length);
        var (status, headers, body) = await PostRawAsync($"/2015-03-31/functions/{Uri.EscapeDataString(name)}/invocations", "{}"u8.ToArray(), null);

        Assert.Equal(400, status);
        Assert.Equal("ValidationException", headers["x-amzn-errortype"]);
        Assert.Equal($"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 256",
            JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_65_character_bare_name_is_a_404_as_recorded_from_AWS()
    {
        var name = new string('a', 65);
        var (status, headers, _) = await PostRawAsync($"/2015-03-31/functions/{name}/invocations", "{}"u8.ToArray(), null);
        Assert.Equal(404, status);
        Assert.Equal("ResourceNotFoundException", headers["x-amzn-errortype"]);
    }

    [Fact]
    public async Task A_qualifier_over_128_characters_is_a_ValidationException()
    {
        var qualifier = new string('a', 129);
        var (status, headers, body) = await PostRawAsync($"/2015-03-31/functions/echo/invocations?Qualifier={qualifier}", "{}"u8.ToArray(), null);
        Assert.Equal(400, status);
        Assert.Equal("ValidationException", headers["x-amzn-errortype"]);
        Assert.EndsWith("Member must have length less than or equal to 128", JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("aws")]          // pyenv's aws-cli 1.x
    [InlineData("/usr/bin/aws")] // Debian's aws-cli 2: --cli-binary-format raw-in-base64-out, set in its config file by AwsCli
    public async Task Both_aws_CLIs_show_InvalidRequestContentException_for_abc(string binary)
    {
        using var cli = new AwsCli(binary);
        var (exit, _, stderr) = await cli.LambdaAsync(Gateway, ["invoke", "--function-name", "echo", "--payload", "abc", "out.json"]);

        Assert.NotEqual(0, exit);
        Assert.Contains("InvalidRequestContentException", stderr);
        Assert.Contains("Could not parse request body into json: Could not parse payload into json: Unrecognized token 'abc'", stderr);
    }

    [Theory]
    [InlineData("aws")]
    [InlineData("/usr/bin/aws")]
    public async Task Both_aws_CLIs_show_the_length_ValidationException(string binary)
    {
        using var cli = new AwsCli(binary);
        var name = new string('f', 257);
        var (exit, _, stderr) = await cli.LambdaAsync(Gateway, ["invoke", "--function-name", name, "--payload", "{}", "out.json"]);

        Assert.NotEqual(0, exit);
        Assert.Contains("ValidationException", stderr);
        Assert.Contains("Member must have length less than or equal to 256", stderr);
    }

    /// <summary>POSTs <paramref name="body"/> as curl would (Content-Length, no content type); returns the status,
    /// the headers (lower-case names) and the body.</summary>
    private async Task<(int Status, Dictionary<string, string> Headers, string Body)> PostRawAsync(string path, byte[] body, string? invocationType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        if (invocationType is not null)
        {
            request.Headers.Add("X-Amz-Invocation-Type", invocationType);
        }
        using var response = await Gateway.Client.SendAsync(request).WithTimeout(30_000);
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        return ((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }
}
