using System.Net.Http.Headers;

namespace Gateway.Async.Destinations;

/// <summary>
/// POSTs records to http(s) destinations through one shared <see cref="HttpClient"/> (pooled connections, DNS
/// refreshed every few minutes). Delivered means a 2xx answer; anything else — another status, a refused
/// connection, a timeout — is a failed attempt the caller retries.
/// </summary>
internal sealed class HttpSink : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _client;

    public HttpSink(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout < TimeSpan.FromSeconds(10) ? timeout : TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AllowAutoRedirect = false, // a redirected POST is not a delivery we can vouch for
            UseCookies = false,
        };
        _client = new HttpClient(handler) { Timeout = timeout };
    }

    public async Task<bool> PostAsync(Uri url, ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(record);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }
            Console.Error.WriteLine($"[gateway] Destination {url} answered {(int)response.StatusCode}");
            return false;
        }
        catch (HttpRequestException ex)
        {
            Console.Error.WriteLine($"[gateway] Destination {url}: {ex.Message}");
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"[gateway] Destination {url}: no answer within {_client.Timeout.TotalSeconds} s");
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
