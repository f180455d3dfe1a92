namespace Gateway.Tests.Infrastructure;

/// <summary>Reads the first line of an HTTP response from a raw stream, for clients that upload and listen at once.</summary>
public static class StatusLine
{
    /// <summary>The status line, or what arrived before the connection ended (empty when it was reset).</summary>
    public static async Task<string> ReadAsync(Stream stream)
    {
        var buffer = new byte[4096];
        int length = 0;
        while (length < buffer.Length)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(buffer.AsMemory(length));
            }
            catch (IOException)
            {
                n = 0; // reset by the server: whatever was read is all there is
            }
            if (n == 0)
            {
                break;
            }
            length += n;
            int end = Array.IndexOf(buffer, (byte)'\n', 0, length);
            if (end >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, end).TrimEnd('\r');
            }
        }
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
