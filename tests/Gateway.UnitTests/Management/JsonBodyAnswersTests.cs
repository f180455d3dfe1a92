using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.UnitTests.Support;
using static Gateway.UnitTests.Management.Records;

namespace Gateway.UnitTests.Management;

/// <summary>
/// The answers of the one JSON body reader as each operation kept them: its own limit in AWS's 413 text, and what a
/// literal <c>null</c> body is (refused by alias, concurrency and event-invoke-config; an empty request for publish).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class JsonBodyAnswersTests
{
    private static async Task<(HttpStatusCode Status, string? ErrorType, string? Message, bool Closes)> SendAsync(HttpClient client, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request).WithTimeout();
        string text = await response.Content.ReadAsStringAsync().WithTimeout();
        var json = text.Length == 0 ? null : JsonNode.Parse(text);
        string? message = (string?)json?["Message"] ?? (string?)json?["message"];
        string? errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single() : null;
        return (response.StatusCode, errorType, message, response.Headers.ConnectionClose == true);
    }

    [Theory]
    [InlineData("POST", "/2015-03-31/functions/fn/aliases")]
    [InlineData("PUT", "/2015-03-31/functions/fn/aliases/live")]
    [InlineData("PUT", "/2017-10-31/functions/fn/concurrency")]
    [InlineData("PUT", "/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=1")]
    [InlineData("PUT", "/2019-09-25/functions/fn/event-invoke-config")]
    public async Task Small_bodies_are_capped_at_64_KB_and_a_null_body_is_refused(string method, string path)
    {
        await using var server = await ManagementServer.StartAsync(Function("fn", published: 2));

        var tooLarge = await SendAsync(server.Client, new HttpMethod(method), path, "{\"Description\":\"" + new string('a', 64 * 1024) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status);
        Assert.Equal("RequestEntityTooLargeException", tooLarge.ErrorType);
        Assert.Equal("Request must be smaller than 65536 bytes for this operation", tooLarge.Message);
        Assert.True(tooLarge.Closes);

        var nullBody = await SendAsync(server.Client, new HttpMethod(method), path, "null");
        Assert.Equal(HttpStatusCode.BadRequest, nullBody.Status);
        Assert.Equal("InvalidRequestContentException", nullBody.ErrorType);
        Assert.Equal("Could not parse request body into json: the body is null", nullBody.Message);

        var notJson = await SendAsync(server.Client, new HttpMethod(method), path, "{");
        Assert.Equal("InvalidRequestContentException", notJson.ErrorType);
        Assert.StartsWith("Could not parse request body into json: ", notJson.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_bodies_are_capped_at_256_KB_and_a_null_body_is_an_empty_request()
    {
        await using var server = await FunctionsApiServer.StartAsync();

        var tooLarge = await SendAsync(server.Client, HttpMethod.Post, "/2015-03-31/functions/nope/versions", "{\"Description\":\"" + new string('a', 256 * 1024) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status);
        Assert.Equal("Request must be smaller than 262144 bytes for this operation", tooLarge.Message);

        var nullBody = await SendAsync(server.Client, HttpMethod.Post, "/2015-03-31/functions/nope/versions", "null");
        Assert.Equal(HttpStatusCode.NotFound, nullBody.Status); // read as {}, so the answer is about the function
        Assert.Equal("ResourceNotFoundException", nullBody.ErrorType);
    }
}
