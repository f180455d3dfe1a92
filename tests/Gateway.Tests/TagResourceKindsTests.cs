namespace Gateway.Tests;

/// <summary>
/// Tag/Untag/ListTags on the taggable ARNs that are not functions: no event-source mapping or capacity provider exists
/// on the gateway, so each gets AWS's 404 with the ARN as given (LocalStack's recordings of AWS,
/// test_lambda_api.snapshot.json: TestLambdaTag::test_tag_exceptions[event_source_mapping], [capacity_provider]).
/// </summary>
public sealed class TagResourceKindsTests
{
    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:event-source-mapping:6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "Event source mapping not found: ")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:capacity-provider:my-provider", "Capacity provider not found: ")]
    public async Task Tagging_a_mapping_or_capacity_provider_is_AWSs_not_found(string arn, string prefix)
    {
        await using var gateway = await GatewayProcess.StartAsync([]);
        string path = "/2017-03-31/tags/" + Uri.EscapeDataString(arn);
        foreach (var (method, query, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Post, "", """{"Tags":{"A":"B"}}"""),
            (HttpMethod.Delete, "?tagKeys=A", null),
            (HttpMethod.Get, "", null),
        })
        {
            using var request = new HttpRequestMessage(method, path + query)
            {
                Content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await gateway.Client.SendAsync(request).WithTimeout();
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("ResourceNotFoundException", response.Headers.GetValues("x-amzn-ErrorType").Single());
            var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(prefix + arn, answer.GetProperty("Message").GetString());
            Assert.Equal("User", answer.GetProperty("Type").GetString());
        }
    }
}
