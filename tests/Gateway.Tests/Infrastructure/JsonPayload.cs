namespace Gateway.Tests.Infrastructure;

/// <summary>Invoke payloads of an exact size that are JSON (the gateway refuses anything else, as AWS does): a JSON
/// string of random letters, different per seed, so an echo can still be compared byte for byte.</summary>
public static class JsonPayload
{
    /// <summary>What the function receives for <paramref name="payload"/>: itself, or <c>{}</c> for no payload (as on AWS).</summary>
    public static byte[] AsDelivered(byte[] payload) => payload.Length == 0 ? "{}"u8.ToArray() : payload;

    public static byte[] OfSize(int size, int seed = 1)
    {
        var payload = new byte[size];
        if (size == 0)
        {
            return payload;
        }
        if (size == 1)
        {
            payload[0] = (byte)'7';
            return payload;
        }
        var random = new Random(seed);
        for (int i = 1; i < size - 1; i++)
        {
            payload[i] = (byte)('a' + random.Next(26));
        }
        payload[0] = payload[^1] = (byte)'"';
        return payload;
    }
}
