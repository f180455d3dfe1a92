namespace Gateway.Tests.Streaming;

/// <summary>Reading a streamed HTTP body as it arrives.</summary>
internal static class StreamedText
{
    /// <summary>The body's text read until it contains <paramref name="end"/> (each read waits at most 30 s; the body
    /// ending first fails the test): what arrived before the function was let go on.</summary>
    public static async Task<string> ReadUntilAsync(Stream body, char end)
    {
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains(end))
        {
            int n = await body.ReadAsync(buffer).AsTask().WithTimeout(30_000);
            Assert.True(n > 0, "the body ended before its first piece: " + received);
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return received.ToString();
    }
}
