namespace Gateway.Cluster.Events;

/// <summary>
/// The Event queue's Lua scripts: each state change of an event is one script, so Redis applies it whole or not at
/// all (a script is atomic, and with AOF <c>appendfsync always</c> its effects are fsync'd before the reply).
/// Run only through <c>IDatabase.ScriptEvaluateAsync(string, RedisKey[], RedisValue[])</c> (AOT-safe).
/// </summary>
/// <remarks>
/// Layout (keys in <see cref="EventKeys"/>): an event is a hash <c>{gw:events}:e:ID</c> with <c>r</c> request id,
/// <c>f</c> function, <c>q</c> qualifier, <c>p</c> payload, <c>c</c> client context (absent = null), <c>a</c>
/// accepted at, <c>n</c> attempts, <c>t</c> next attempt at, <c>e</c> last error, and where it is: <c>k</c> =
/// <c>r</c> (an entry of the ready stream, <c>s</c> its entry id), <c>x</c> (an entry of the running stream),
/// <c>d</c> (in the delay set) or <c>l</c> (dead-lettered, <c>d</c> its dlq entry id). Stream entries carry only
/// the event id, so an event keeps one id (<see cref="Gateway.EventStore.EventId"/>) however often it moves between
/// the stream and the delay set; the hash's <c>s</c> tells which stream entry is current, so a stale entry (left by a
/// node that completed an event another node had reclaimed) is recognised and cleaned up instead of run.
/// </remarks>
internal static class EventScripts
{
    private const string Common = """
        local G = 'gateway'
        local function ensure(stream)
          if redis.call('EXISTS', stream) == 0 then redis.call('XGROUP', 'CREATE', stream, G, '0', 'MKSTREAM') end
        end
        local function unplace(id, k, s, d, ready, running, delay, dlq)
          if k == 'r' then redis.call('XACK', ready, G, s); redis.call('XDEL', ready, s)
          elseif k == 'x' then redis.call('XACK', running, G, s); redis.call('XDEL', running, s)
          elseif k == 'd' then redis.call('ZREM', delay, id)
          elseif k == 'l' and d then redis.call('XDEL', dlq, d) end
        end

        """;

    /// <summary>
    /// KEYS: ready, running, delay, accepted, seq. ARGV: node, mode (<c>run</c> = in flight on this node now,
    /// <c>queue</c>), request id, function, qualifier, payload, has client context (1/0), client context, accepted
    /// at, attempts, next attempt at, event key prefix. Returns the new event id.
    /// </summary>
    /// <remarks>
    /// <c>run</c>: XADD to the running stream and XREADGROUP it to this node in the same script — that stream never
    /// holds an undelivered entry, so the read returns exactly the entry just added. <c>queue</c>: the ready stream
    /// when due at acceptance (the gateway's overflow), else the delay set.
    /// </remarks>
    public const string Append = Common + """
        local id = redis.call('INCR', KEYS[5])
        local key = ARGV[12] .. id
        redis.call('HSET', key, 'r', ARGV[3], 'f', ARGV[4], 'q', ARGV[5], 'p', ARGV[6], 'a', ARGV[9], 'n', ARGV[10], 't', ARGV[11])
        if ARGV[7] == '1' then redis.call('HSET', key, 'c', ARGV[8]) end
        redis.call('ZADD', KEYS[4], ARGV[9], id)
        if ARGV[2] == 'run' then
          ensure(KEYS[2])
          local sid = redis.call('XADD', KEYS[2], '*', 'id', id)
          redis.call('XREADGROUP', 'GROUP', G, ARGV[1], 'COUNT', 1, 'STREAMS', KEYS[2], '>')
          redis.call('HSET', key, 'k', 'x', 's', sid)
        elseif tonumber(ARGV[11]) <= tonumber(ARGV[9]) then
          ensure(KEYS[1])
          local sid = redis.call('XADD', KEYS[1], '*', 'id', id)
          redis.call('HSET', key, 'k', 'r', 's', sid)
        else
          redis.call('ZADD', KEYS[3], ARGV[11], id)
          redis.call('HSET', key, 'k', 'd')
        end
        return id
        """;

    /// <summary>
    /// KEYS: ready, delay. ARGV: node, now, max, event key prefix. Moves due retries from the delay set to the ready
    /// stream, then XREADGROUPs up to max ready entries to this node. Returns, per event: id, request id, function,
    /// qualifier, payload, client context, accepted at, attempts, next attempt at, last error.
    /// </summary>
    public const string Claim = Common + """
        ensure(KEYS[1])
        local max = tonumber(ARGV[3])
        local out = {}
        if max <= 0 then return out end
        local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, max)
        for _, id in ipairs(due) do
          local key = ARGV[4] .. id
          if redis.call('EXISTS', key) == 1 then
            local sid = redis.call('XADD', KEYS[1], '*', 'id', id)
            redis.call('HSET', key, 'k', 'r', 's', sid)
          end
          redis.call('ZREM', KEYS[2], id)
        end
        local read = redis.call('XREADGROUP', 'GROUP', G, ARGV[1], 'COUNT', max, 'STREAMS', KEYS[1], '>')
        if read then
          for _, entry in ipairs(read[1][2]) do
            local sid = entry[1]
            local id = entry[2][2]
            local v = redis.call('HMGET', ARGV[4] .. id, 's', 'r', 'f', 'q', 'p', 'c', 'a', 'n', 't', 'e')
            if v[1] ~= sid then
              redis.call('XACK', KEYS[1], G, sid)
              redis.call('XDEL', KEYS[1], sid)
            else
              out[#out + 1] = id
              for i = 2, 10 do out[#out + 1] = v[i] end
            end
          end
        end
        return out
        """;

    /// <summary>
    /// KEYS: ready, running, delay, accepted, dlq, the event's hash. ARGV: op (<c>complete</c>, <c>reschedule</c>,
    /// <c>dead</c>), id, attempts, next attempt at, reason. Returns 1, or 0 when there is no such event (or a
    /// reschedule of a dead-lettered one). Complete and drop: XACK + XDEL (or ZREM) + delete. Reschedule: out of its
    /// stream into the delay set with the new attempts and time. Dead-letter: out of the queue and, in the same
    /// script, an entry in the dlq stream with the reason.
    /// </summary>
    public const string Change = Common + """
        local v = redis.call('HMGET', KEYS[6], 'k', 's', 'd', 'r', 'f')
        local k = v[1]
        if not k then return 0 end
        local op = ARGV[1]
        if op == 'reschedule' and k == 'l' then return 0 end
        unplace(ARGV[2], k, v[2], v[3], KEYS[1], KEYS[2], KEYS[3], KEYS[5])
        if op == 'complete' then
          redis.call('DEL', KEYS[6])
          redis.call('ZREM', KEYS[4], ARGV[2])
        elseif op == 'reschedule' then
          redis.call('HSET', KEYS[6], 'k', 'd', 's', '', 'n', ARGV[3], 't', ARGV[4], 'e', ARGV[5])
          redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
        else
          local d = redis.call('XADD', KEYS[5], '*', 'id', ARGV[2], 'requestId', v[4], 'function', v[5], 'reason', ARGV[5])
          redis.call('HSET', KEYS[6], 'k', 'l', 's', '', 'd', d, 'e', ARGV[5])
          redis.call('ZREM', KEYS[4], ARGV[2])
        end
        return 1
        """;

    /// <summary>
    /// KEYS: ready, running. ARGV: mode (<c>consumer</c>: every in-flight entry of one consumer; <c>idle</c>: entries
    /// of any consumer but ARGV[2] idle for at least ARGV[3] ms), consumer, idle ms, limit per stream, event key
    /// prefix, delete the consumer when emptied (1/0). Puts each such event back into the ready stream (XACK + XDEL
    /// + XADD, attempts and acceptance time untouched), for any node to claim. Returns {moved, most examined in one stream}.
    /// </summary>
    public const string Requeue = Common + """
        ensure(KEYS[1])
        local moved, examined = 0, 0
        local limit = tonumber(ARGV[4])
        for _, stream in ipairs({KEYS[1], KEYS[2]}) do
          if redis.call('EXISTS', stream) == 1 then
            local pending
            if ARGV[1] == 'consumer' then
              pending = redis.call('XPENDING', stream, G, '-', '+', limit, ARGV[2])
            else
              pending = redis.call('XPENDING', stream, G, 'IDLE', ARGV[3], '-', '+', limit)
            end
            if #pending > examined then examined = #pending end
            for _, p in ipairs(pending) do
              local sid = p[1]
              if ARGV[1] == 'consumer' or p[2] ~= ARGV[2] then
                local entry = redis.call('XRANGE', stream, sid, sid)
                redis.call('XACK', stream, G, sid)
                redis.call('XDEL', stream, sid)
                if entry[1] then
                  local id = entry[1][2][2]
                  local key = ARGV[5] .. id
                  if redis.call('HGET', key, 's') == sid then
                    local nsid = redis.call('XADD', KEYS[1], '*', 'id', id)
                    redis.call('HSET', key, 'k', 'r', 's', nsid)
                    moved = moved + 1
                  end
                end
              end
            end
            if ARGV[1] == 'consumer' and ARGV[6] == '1' and #redis.call('XPENDING', stream, G, '-', '+', 1, ARGV[2]) == 0 then
              redis.call('XGROUP', 'DELCONSUMER', stream, G, ARGV[2])
            end
          end
        end
        return {moved, examined}
        """;

    /// <summary>
    /// KEYS: ready, running. ARGV: node, limit. XCLAIMs every in-flight entry of this node to itself (JUSTID: the
    /// delivery count stays), which resets its idle time, so the idle backstop never takes an event from a live node.
    /// </summary>
    public const string Touch = """
        local G = 'gateway'
        local touched = 0
        local limit = tonumber(ARGV[2])
        for _, stream in ipairs({KEYS[1], KEYS[2]}) do
          if redis.call('EXISTS', stream) == 1 then
            local start = '-'
            while true do
              local pending = redis.call('XPENDING', stream, G, start, '+', limit, ARGV[1])
              if #pending == 0 then break end
              local args = {'XCLAIM', stream, G, ARGV[1], 0}
              for _, p in ipairs(pending) do args[#args + 1] = p[1] end
              args[#args + 1] = 'JUSTID'
              redis.call(unpack(args))
              touched = touched + #pending
              if #pending < limit then break end
              start = '(' .. pending[#pending][1]
            end
          end
        end
        return touched
        """;

    /// <summary>
    /// KEYS: ready, running, delay. Returns {undelivered ready entries, events in the delay set, then consumer name
    /// and its in-flight count for every consumer of either stream}.
    /// </summary>
    public const string Look = """
        local G = 'gateway'
        local out = {0, redis.call('ZCARD', KEYS[3])}
        local byName = {}
        for i, stream in ipairs({KEYS[1], KEYS[2]}) do
          if redis.call('EXISTS', stream) == 1 then
            local groupPending = 0
            for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, G)) do
              local name, pending = nil, 0
              for j = 1, #c, 2 do
                if c[j] == 'name' then name = c[j + 1] elseif c[j] == 'pending' then pending = c[j + 1] end
              end
              byName[name] = (byName[name] or 0) + pending
              groupPending = groupPending + pending
            end
            if i == 1 then out[1] = redis.call('XLEN', stream) - groupPending end
          end
        end
        for name, pending in pairs(byName) do
          out[#out + 1] = name
          out[#out + 1] = pending
        end
        return out
        """;

    /// <summary>
    /// KEYS: ready, running, delay, accepted, dlq. ARGV: event key prefix. Returns {pending, in flight, dead-lettered,
    /// oldest acceptance time or nil, earliest next attempt of a pending event or nil}. Every acknowledged entry is
    /// deleted, so a stream's entries are exactly its PEL plus its undelivered entries.
    /// </summary>
    public const string Counters = """
        local G = 'gateway'
        local function info(stream)
          if redis.call('EXISTS', stream) == 0 then return 0, 0, nil end
          local len = redis.call('XLEN', stream)
          for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
            local m = {}
            for i = 1, #g, 2 do m[g[i]] = g[i + 1] end
            if m['name'] == G then return len, m['pending'], m['last-delivered-id'] end
          end
          return len, 0, nil
        end
        local rlen, rpending, rlast = info(KEYS[1])
        local _, xpending = info(KEYS[2])
        local undelivered = rlen - rpending
        local nextDue, nextDueText = nil, false
        local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
        if first[2] then nextDue, nextDueText = tonumber(first[2]), first[2] end
        if undelivered > 0 and rlast then
          local e = redis.call('XRANGE', KEYS[1], '(' .. rlast, '+', 'COUNT', 1)
          if e[1] then
            local t = redis.call('HGET', ARGV[1] .. e[1][2][2], 't')
            if t and (nextDue == nil or tonumber(t) < nextDue) then nextDue, nextDueText = tonumber(t), t end
          end
        end
        local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
        return {undelivered + redis.call('ZCARD', KEYS[3]), rpending + xpending, redis.call('XLEN', KEYS[5]), oldest[2] or false, nextDueText}
        """;
}
