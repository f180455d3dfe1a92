using System.Text.Json;
using Gateway.Runtime;

namespace Gateway.Samples.Handlers;

/// <summary>
/// The streaming sample (<c>_HANDLER=stream</c>, run by <see cref="LambdaRuntime.RunStreamingAsync"/>): writes 1 KB of
/// 'A', then — when the event names a <c>signal</c> file — waits until that file exists, then 500 ms, and writes
/// <c>LAST</c>. With <c>"fail": true</c> it throws after the first write (the error goes out in trailers).
/// </summary>
internal static class StreamHandler
{
    public const string Name = "stream";

    public static async ValueTask Invoke(InvocationContext context, LambdaResponseStream response)
    {
        string? signal = null;
        bool fail = false;
        using (var document = JsonDocument.Parse(context.Payload))
        {
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("signal", out var s))
                {
                    signal = s.GetString();
                }
                fail = document.RootElement.TryGetProperty("fail", out var f) && f.ValueKind == JsonValueKind.True;
            }
        }
        await response.WriteAsync(new string('A', 1024));
        if (fail)
        {
            throw new InvalidOperationException("boom mid-stream");
        }
        if (signal is not null)
        {
            while (!File.Exists(signal))
            {
                await Task.Delay(10);
            }
            await Task.Delay(500);
        }
        await response.WriteAsync("LAST");
    }
}
