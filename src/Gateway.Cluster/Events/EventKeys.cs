using StackExchange.Redis;

namespace Gateway.Cluster.Events;

/// <summary>
/// The Event queue's Redis keys, all in the <c>{gw:events}</c> hash tag (one Redis Cluster slot), so every script
/// below touches one slot only. Per-event hashes are named from the event id inside scripts; they carry the same tag.
/// </summary>
internal static class EventKeys
{
    /// <summary>Events ready to run, for any node: a node claims them with XREADGROUP (then they are in its PEL).</summary>
    public static readonly RedisKey Ready = ClusterKeys.EventsTag + ":ready";

    /// <summary>
    /// Events appended already in flight by the node that runs them at once: XADD and XREADGROUP in one script, so
    /// this stream never holds an undelivered entry and its PEL is exactly "fresh events running somewhere".
    /// </summary>
    public static readonly RedisKey Running = ClusterKeys.EventsTag + ":running";

    /// <summary>Events waiting for a retry (score = due time, Unix ms on the async clock): moved to <see cref="Ready"/> when due.</summary>
    public static readonly RedisKey Delay = ClusterKeys.EventsTag + ":delay";

    /// <summary>Every live (not dead-lettered) event by acceptance time: the oldest event's age.</summary>
    public static readonly RedisKey Accepted = ClusterKeys.EventsTag + ":accepted";

    /// <summary>Dead-lettered events (id, request id, function, reason), written atomically with taking them out of the queue.</summary>
    public static readonly RedisKey DeadLetters = ClusterKeys.EventsTag + ":dlq";

    /// <summary>The event id counter (INCR): ids are never reused, increasing in acceptance order across the cluster.</summary>
    public static readonly RedisKey Sequence = ClusterKeys.EventsTag + ":seq";

    /// <summary>Prefix of an event's hash: request id, function, qualifier, payload, client context, times, attempts, where it is.</summary>
    public const string EventPrefix = ClusterKeys.EventsTag + ":e:";

    /// <summary>The one consumer group on both streams; each node is a consumer named by its node id.</summary>
    public const string Group = "gateway";

    public static RedisKey Event(long id) => EventPrefix + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
