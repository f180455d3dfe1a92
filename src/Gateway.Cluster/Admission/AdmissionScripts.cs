namespace Gateway.Cluster.Admission;

/// <summary>
/// The Lua scripts behind cluster-wide admission: one atomic script per decision, run with
/// <c>IDatabase.ScriptEvaluateAsync(string, RedisKey[], RedisValue[])</c> (AOT-safe; Redis caches them by SHA).
/// Every key is in the <c>{gw:admission}</c> hash tag, so each script runs on one Redis Cluster slot.
/// </summary>
/// <remarks>
/// <para>
/// State (see <see cref="AdmissionKeys"/>): <c>held</c>, a hash of scope → slots held across the cluster, where a scope
/// is <c>account</c>, <c>pool</c> (the unreserved pool) or <c>f:NAME</c> (one function's invocations in flight);
/// <c>node:ID</c>, the same hash for the slots one node holds — the sum over nodes is <c>held</c>, and a node's hash
/// is what goes back when its lease lapses (<see cref="Reclaim"/>) and what its heartbeat re-asserts
/// (<see cref="Resync"/>); and one string per token bucket.
/// </para>
/// <para>
/// Token buckets are GCRA, as the single node's ContinuousTokenBucket: one number, the microsecond at which the bucket
/// would have been empty, read against Redis's own clock (<c>TIME</c>), so every node shares one clock. Numbers are
/// written with <c>%.0f</c>: Lua's default number formatting keeps 14 digits, a microsecond timestamp has 16.
/// </para>
/// </remarks>
public static class AdmissionScripts
{
    /// <summary>
    /// Admission state is soft and is kept out of the AOF: with <c>appendfsync always</c> (which the Event queue
    /// needs) every persisted write costs Redis an fsync, and two per invocation (admit, release) made Redis spend
    /// ~370 µs of CPU per invocation on this box (docs/performance.md, cluster mode). After a Redis restart the counts
    /// come back from each node's resync (every heartbeat) and the buckets start full, as a new account's do.
    /// </summary>
    private const string NotPersisted = """
        redis.set_repl(redis.REPL_NONE)

        """;

    /// <summary>Shared helpers: the clock and the bucket operations.</summary>
    private const string Prelude = NotPersisted + """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local function cost(perSecond) return math.max(1, math.ceil(1000000 / perSecond - 1e-9)) end
        -- Takes a token: 0 when taken, else the microseconds until one will be there.
        local function take(key, capacity, perSecond)
          local c = cost(perSecond)
          local window = capacity * c
          local full = now - window
          local e = tonumber(redis.call('GET', key)) or full
          if e < full then e = full end
          local nxt = e + c
          if nxt > now then return nxt - now end
          redis.call('SET', key, string.format('%.0f', nxt), 'PX', math.ceil((nxt + window - now) / 1000) + 1000)
          return 0
        end
        -- Gives back a token taken by take (a later check refused: a throttled request consumes nothing).
        local function refund(key, perSecond)
          local e = tonumber(redis.call('GET', key))
          if e then redis.call('SET', key, string.format('%.0f', e - cost(perSecond)), 'KEEPTTL') end
        end
        local function seconds(us)
          local s = math.ceil(us / 1000000)
          if s < 1 then s = 1 end
          return s
        end

        """;

    /// <summary>
    /// The admission decision, in the single node's order (AdmissionController): the account's request rate, the
    /// reserved function's request rate, concurrency (reserved, or the unreserved pool), the account's concurrency
    /// as a hard cap, then — only when a new environment is needed — a burst token. Whatever an earlier check took
    /// is given back when a later one refuses. Reply: <c>{reason, retryAfterSeconds, fromUnreservedPool}</c> with
    /// reason 0 = admitted, else <see cref="AdmissionOutcome"/>.
    /// </summary>
    /// <remarks>
    /// KEYS: 1 held, 2 this node's hash, 3 account rate bucket, 4 the reserved function's rate bucket, 5 burst bucket.
    /// ARGV: 1 the function's scope field, 2 account limit, 3 unreserved limit, 4 reserved (−1: none), 5 request-rate
    /// multiplier, 6 charge the request (1/0), 7 needs a new environment (1/0), 8 burst capacity, 9 burst refill per
    /// second, 10 mode ("admit", or "rate": the request-rate checks only, an Event's check before its 202).
    /// </remarks>
    public const string Admit = Prelude + """
        local ff = ARGV[1]
        local account = tonumber(ARGV[2])
        local unreserved = tonumber(ARGV[3])
        local reserved = tonumber(ARGV[4])
        local multiplier = tonumber(ARGV[5])
        local charge = ARGV[6] == '1'
        local accountRate = multiplier * account
        local reservedRate = multiplier * reserved
        local reservedCharged = false
        if charge then
          local w = take(KEYS[3], accountRate, accountRate)
          if w > 0 then return {3, seconds(w), 0} end
          -- A reservation of 0 has no rate bucket: the concurrency check refuses it with the reserved reason.
          if reserved > 0 then
            w = take(KEYS[4], reservedRate, reservedRate)
            if w > 0 then
              refund(KEYS[3], accountRate)
              return {4, seconds(w), 0}
            end
            reservedCharged = true
          end
        end
        if ARGV[10] == 'rate' then return {0, 0, 0} end
        local function refuse(reason, secs)
          if charge then
            refund(KEYS[3], accountRate)
            if reservedCharged then refund(KEYS[4], reservedRate) end
          end
          return {reason, secs, 0}
        end
        local function held(field) return tonumber(redis.call('HGET', KEYS[1], field)) or 0 end
        local fromPool = 0
        if reserved >= 0 then
          if held(ff) >= reserved then return refuse(2, 1) end
        else
          if held('pool') >= unreserved then return refuse(1, 1) end
          fromPool = 1
        end
        if held('account') >= account then return refuse(1, 1) end
        if ARGV[7] == '1' then
          local w = take(KEYS[5], tonumber(ARGV[8]), tonumber(ARGV[9]))
          if w > 0 then return refuse(1, seconds(w)) end
        end
        redis.call('HINCRBY', KEYS[1], 'account', 1)
        redis.call('HINCRBY', KEYS[1], ff, 1)
        redis.call('HINCRBY', KEYS[2], 'account', 1)
        redis.call('HINCRBY', KEYS[2], ff, 1)
        if fromPool == 1 then
          redis.call('HINCRBY', KEYS[1], 'pool', 1)
          redis.call('HINCRBY', KEYS[2], 'pool', 1)
        end
        return {0, 0, fromPool}
        """;

    /// <summary>
    /// Gives back one admitted invocation's slots (sent fire-and-forget). Each scope is decremented only while this
    /// node's hash still holds a slot of it: after the node's slots were reclaimed (its lease lapsed) a late release
    /// does nothing, instead of freeing a slot another node holds.
    /// </summary>
    /// <remarks>KEYS: 1 held, 2 this node's hash. ARGV: 1 the function's scope field, 2 from the unreserved pool (1/0).</remarks>
    public const string Release = NotPersisted + """
        local fields = {'account', ARGV[1]}
        if ARGV[2] == '1' then fields[3] = 'pool' end
        for _, f in ipairs(fields) do
          local n = tonumber(redis.call('HGET', KEYS[2], f)) or 0
          if n > 0 then
            if n == 1 then redis.call('HDEL', KEYS[2], f) else redis.call('HINCRBY', KEYS[2], f, -1) end
            if redis.call('HINCRBY', KEYS[1], f, -1) <= 0 then redis.call('HDEL', KEYS[1], f) end
          end
        end
        return 1
        """;

    /// <summary>
    /// Returns every slot a node holds (its lease lapsed, or it is leaving): subtracts its hash from <c>held</c> and
    /// deletes it. Reply: the account slots given back.
    /// </summary>
    /// <remarks>KEYS: 1 held, 2 the node's hash.</remarks>
    public const string Reclaim = NotPersisted + """
        local all = redis.call('HGETALL', KEYS[2])
        local slots = 0
        for i = 1, #all, 2 do
          local f, n = all[i], tonumber(all[i + 1])
          if redis.call('HINCRBY', KEYS[1], f, -n) <= 0 then redis.call('HDEL', KEYS[1], f) end
          if f == 'account' then slots = n end
        end
        redis.call('DEL', KEYS[2])
        return slots
        """;

    /// <summary>
    /// Sets a node's hash to what the node knows it holds, adjusting <c>held</c> by the difference. Sent each
    /// heartbeat and when Redis comes back: it repairs what a lost reply (an admission that timed out but ran), a
    /// dropped fire-and-forget release, or a reclaim of a node that was only slow left behind. Reply: scopes changed.
    /// </summary>
    /// <remarks>KEYS: 1 held, 2 the node's hash. ARGV: field, count, field, count, … (counts &gt; 0).</remarks>
    public const string Resync = NotPersisted + """
        local want = {}
        for i = 1, #ARGV, 2 do want[ARGV[i]] = tonumber(ARGV[i + 1]) end
        local changed = 0
        local function adjust(f, have, w)
          if have == w then return end
          changed = changed + 1
          if redis.call('HINCRBY', KEYS[1], f, w - have) <= 0 then redis.call('HDEL', KEYS[1], f) end
          if w > 0 then redis.call('HSET', KEYS[2], f, w) else redis.call('HDEL', KEYS[2], f) end
        end
        local all = redis.call('HGETALL', KEYS[2])
        local seen = {}
        for i = 1, #all, 2 do
          seen[all[i]] = true
          adjust(all[i], tonumber(all[i + 1]), want[all[i]] or 0)
        end
        for f, w in pairs(want) do
          if not seen[f] then adjust(f, 0, w) end
        end
        return changed
        """;

    /// <summary>
    /// Charges a burst token without asking (sent fire-and-forget): for an invocation admitted as "a warm environment
    /// takes it" that turned out to need a new one. The bucket may go into debt by that token, so later scale-ups
    /// wait for it: the cluster's long-run scaling rate stays exact.
    /// </summary>
    /// <remarks>KEYS: 1 burst bucket. ARGV: 1 capacity, 2 refill per second.</remarks>
    public const string ChargeBurst = Prelude + """
        local c = cost(tonumber(ARGV[2]))
        local window = tonumber(ARGV[1]) * c
        local full = now - window
        local e = tonumber(redis.call('GET', KEYS[1])) or full
        if e < full then e = full end
        redis.call('SET', KEYS[1], string.format('%.0f', e + c), 'PX', math.ceil((e + c + window - now) / 1000) + 1000)
        return 1
        """;
}
