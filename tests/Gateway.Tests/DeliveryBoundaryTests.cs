using System.Text;

namespace Gateway.Tests;

/// <summary>
/// The /next delivery goes out as one copied buffer when the owed 202, the head and the payload fit the connection's
/// 8 KB head buffer, and as a gather write otherwise (RuntimeApi/RuntimeApiConnection.cs, DeliverAsync). Payloads on
/// both sides of that boundary, with and without a large Client-Context header (a longer head moves it), to runtimes
/// that pipeline their next /next behind the answer (the 202 travels with the event) and runtimes that do not.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class DeliveryBoundaryTests(SharedGateway shared)
{
    private GatewayProcess Gateway => shared.Gateway;

    [Theory]
    [InlineData("echo")]
    [InlineData("unpipelined-echo")]
    public async Task Events_around_the_single_buffer_limit_arrive_byte_for_byte(string function)
    {
        foreach (int size in new[] { 7000, 7600, 7700, 7800, 7900, 8000, 8100, 8192, 8300, 9000 })
        {
            var payload = JsonPayload.OfSize(size, seed: size);
            using var response = await Gateway.InvokeAsync(function, payload);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task A_large_client_context_moves_the_limit_and_still_arrives_whole()
    {
        // ~3.5 KB of client context in the head: payloads that fit alone now take the gather path.
        string context = "{\"custom\":{\"k\":\"" + new string('x', 2500) + "\"}}";
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(context));
        foreach (int size in new[] { 3000, 4000, 4500, 5000, 8000 })
        {
            var payload = JsonPayload.OfSize(size, seed: size);
            using var response = await Gateway.InvokeAsync("echo", payload, configure: r => r.Headers.Add("X-Amz-Client-Context", encoded));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());
        }
    }
}
