using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Gateway.LoadTests;

/// <summary>
/// Posts the throttle scenario's prediction (per second of the run: admitted, throttled) to the gateway's
/// <c>POST /_gateway/prediction</c>, so the live dashboard (<c>/_gateway/</c>) shows it beside what the gateway admitted
/// while the run goes. Best effort: a server without the endpoint only gets a note on stderr.
/// </summary>
internal static class DashboardPrediction
{
    public static async Task PostAsync(Options o, (long Admitted, long Throttled)[] predicted, string reason, string description, long startUnixMs)
    {
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("FunctionName", o.Function);
            json.WriteString("Model", description);
            json.WriteString("Reason", reason);
            json.WriteNumber("StartUnixMs", startUnixMs);
            json.WriteNumber("GraceSeconds", o.GraceSeconds);
            json.WriteStartArray("Seconds");
            foreach (var (admitted, throttled) in predicted)
            {
                json.WriteStartObject();
                json.WriteNumber("Admitted", admitted);
                json.WriteNumber("Throttled", throttled);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        try
        {
            using var client = new HttpClient { BaseAddress = o.Url, Timeout = TimeSpan.FromSeconds(2) };
            using var content = new ByteArrayContent(body.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("/_gateway/prediction", content);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"throttle: the dashboard did not take the prediction ({(int)response.StatusCode})"));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine("throttle: could not post the prediction to the dashboard: " + ex.Message);
        }
    }
}
