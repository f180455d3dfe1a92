using StackExchange.Redis;

namespace Gateway.Cluster.Registry;

/// <summary>
/// What a client is told when Redis failed a registry change: a few words, not the Redis client's message, which
/// carries a kilobyte of its own diagnostics (thread-pool counters, the library version, a help link) that mean
/// nothing to a caller of the Lambda API and would end up in its error's <c>message</c>. The full exception stays
/// the <see cref="Functions.Registry.RegistryStoreException"/>'s inner exception.
/// </summary>
internal static class RedisFailure
{
    public static string Describe(Exception exception) => exception switch
    {
        RedisTimeoutException => "did not answer in time",
        RedisConnectionException => "cannot be reached",
        RedisException => "refused the request",
        _ => FirstPart(exception.Message),
    };

    /// <summary>Whether <paramref name="exception"/> came from the Redis client (then "Redis …" leads its description).</summary>
    public static bool IsRedis(Exception exception) => exception is RedisException or RedisTimeoutException;

    /// <summary>Non-Redis failures (a corrupt document, a missing package) say what they are before any detail that
    /// follows a line break or a ';'.</summary>
    private static string FirstPart(string message)
    {
        int end = message.IndexOfAny(['\n', ';']);
        return end < 0 ? message : message[..end];
    }
}
