using System.Globalization;
using StackExchange.Redis;

namespace Gateway.Cluster.Admission;

/// <summary>
/// This node's side of cluster-wide admission: one <see cref="AdmissionScripts"/> script per call, with this node's
/// id naming the hash its slots are held in. Decisions are awaited (one Redis round trip); releases and burst
/// charges are sent fire-and-forget (<see cref="CommandFlags.FireAndForget"/>) and never awaited.
/// </summary>
/// <remarks>
/// A call's Task is created (and its command queued on the connection, in call order) before this method returns:
/// a caller that serialises its calls under a lock serialises them on the wire too, which
/// <see cref="ResyncAsync"/>'s correctness relies on.
/// </remarks>
public sealed class ClusterAdmissionClient
{
    private readonly ClusterConnection _connection;
    private readonly RedisKey _node;

    public ClusterAdmissionClient(ClusterConnection connection)
    {
        _connection = connection;
        _node = AdmissionKeys.Node(connection.NodeId);
    }

    public string NodeId => _connection.NodeId;

    /// <summary>Whether commands can go out now (false: decide locally, see the gateway's static share).</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>A synchronous invoke (<paramref name="chargeRequest"/>) or a queued Event: rate, concurrency, and a
    /// burst token when <paramref name="needsNewEnvironment"/>.</summary>
    /// <remarks>
    /// A synchronous invoke's caller (<paramref name="chargeRequest"/>) resumes on the thread that read the reply
    /// (<see cref="ClusterConnection.Replies"/>), so its continuation must not block; a queued Event's resumes on the
    /// thread pool, as any Task's. The script is sent by its SHA-1 (<c>EVALSHA</c>): the library's overload taking the
    /// script's text wraps the command's Task in an async method, whose completion is one more thread-pool hop after
    /// the reply; a Redis that does not know the script (first use, or restarted) answers NOSCRIPT without running it,
    /// and the text is sent once (<c>EVAL</c>, which caches it).
    /// </remarks>
    public ValueTask<AdmissionReply> AdmitAsync(string function, in AdmissionLimits limits, bool chargeRequest, bool needsNewEnvironment)
    {
        var (keys, values) = Arguments(function, limits, chargeRequest, needsNewEnvironment, "admit");
        var sent = _connection.Database.ScriptEvaluateAsync(AdmitSha1, keys, values);
        var reply = chargeRequest ? _connection.Replies.Await(sent, ToReply) : new(ToReplyAsync(sent));
        return reply.IsCompletedSuccessfully ? reply : LoadingScriptAsync(reply, keys, values);
    }

    private async ValueTask<AdmissionReply> LoadingScriptAsync(ValueTask<AdmissionReply> pending, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return ToReply(await _connection.Database.ScriptEvaluateAsync(AdmissionScripts.Admit, keys, values).ConfigureAwait(false));
        }
    }

    private static async Task<AdmissionReply> ToReplyAsync(Task<RedisResult> sent) => ToReply(await sent.ConfigureAwait(false));

    /// <summary>The request-rate checks only: an Event invoke's check before its 202. Nothing to release.</summary>
    public async Task<AdmissionReply> AcceptRequestAsync(string function, AdmissionLimits limits) =>
        ToReply(await Evaluate(function, limits, chargeRequest: true, needsNewEnvironment: false, "rate").ConfigureAwait(false));

    /// <summary>Gives back one admitted invocation's slots, without waiting for the reply.</summary>
    public void Release(string function, bool fromUnreservedPool) =>
        _ = _connection.Database.ScriptEvaluateAsync(AdmissionScripts.Release, [AdmissionKeys.Held, _node],
            [AdmissionKeys.FunctionField(function), fromUnreservedPool ? 1 : 0], CommandFlags.FireAndForget);

    /// <summary>Charges a burst token without asking (a warm-environment guess that was wrong), without waiting.</summary>
    public void ChargeBurst(string function, in AdmissionLimits limits) =>
        _ = _connection.Database.ScriptEvaluateAsync(AdmissionScripts.ChargeBurst, [BurstKey(function, limits)],
            [limits.BurstCapacity, limits.BurstRefillPerSecond.ToString("R", CultureInfo.InvariantCulture)], CommandFlags.FireAndForget);

    /// <summary>Sets this node's hash to <paramref name="held"/> (scope field → count; absent = 0).</summary>
    public async Task<long> ResyncAsync(IReadOnlyList<KeyValuePair<string, long>> held)
    {
        var values = new RedisValue[held.Count * 2];
        for (int i = 0; i < held.Count; i++)
        {
            values[2 * i] = held[i].Key;
            values[2 * i + 1] = held[i].Value;
        }
        return (long)await _connection.Database.ScriptEvaluateAsync(AdmissionScripts.Resync, [AdmissionKeys.Held, _node], values).ConfigureAwait(false);
    }

    /// <summary>Returns every slot <paramref name="nodeId"/> holds (its lease lapsed, or this node leaves); the
    /// account slots given back.</summary>
    public async Task<long> ReclaimAsync(string nodeId) =>
        (long)await _connection.Database.ScriptEvaluateAsync(AdmissionScripts.Reclaim, [AdmissionKeys.Held, AdmissionKeys.Node(nodeId)]).ConfigureAwait(false);

    /// <summary>Slots held across the cluster for a scope (<c>account</c>, <c>pool</c>, <c>f:NAME</c>): for tests and status.</summary>
    public async Task<long> HeldAsync(string scope) => (long?)await _connection.Database.HashGetAsync(AdmissionKeys.Held, scope).ConfigureAwait(false) ?? 0;

    private Task<RedisResult> Evaluate(string function, in AdmissionLimits limits, bool chargeRequest, bool needsNewEnvironment, string mode)
    {
        var (keys, values) = Arguments(function, limits, chargeRequest, needsNewEnvironment, mode);
        return _connection.Database.ScriptEvaluateAsync(AdmissionScripts.Admit, keys, values);
    }

    private (RedisKey[] Keys, RedisValue[] Values) Arguments(string function, in AdmissionLimits limits, bool chargeRequest, bool needsNewEnvironment, string mode)
    {
        RedisKey[] keys =
        [
            AdmissionKeys.Held, _node, AdmissionKeys.AccountRate,
            AdmissionKeys.ReservedRate(function, Math.Max(0, limits.Reserved)), BurstKey(function, limits),
        ];
        RedisValue[] values =
        [
            AdmissionKeys.FunctionField(function), limits.Account, limits.Unreserved, limits.Reserved, limits.RateMultiplier,
            chargeRequest ? 1 : 0, needsNewEnvironment ? 1 : 0, limits.BurstCapacity,
            limits.BurstRefillPerSecond.ToString("R", CultureInfo.InvariantCulture), mode,
        ];
        return (keys, values);
    }

#pragma warning disable CA5350 // SHA-1 is Redis's name for a script (EVALSHA), not a security measure
    private static readonly byte[] AdmitSha1 = System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(AdmissionScripts.Admit));
#pragma warning restore CA5350

    private static readonly Func<RedisResult, AdmissionReply> ToReply = static result =>
    {
        var reply = (RedisResult[])result!;
        return new AdmissionReply((AdmissionOutcome)(int)reply[0], (int)reply[1], (int)reply[2] == 1);
    };

    private static RedisKey BurstKey(string function, in AdmissionLimits limits) =>
        limits.AccountBurst ? AdmissionKeys.AccountBurst : AdmissionKeys.FunctionBurst(function);
}
