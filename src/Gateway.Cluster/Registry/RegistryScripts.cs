namespace Gateway.Cluster.Registry;

/// <summary>
/// The registry's Lua scripts (run with <c>EVAL</c>/<c>EVALSHA</c> through ScriptEvaluate with keys and values only:
/// the AOT-safe form). KEYS are always, in order: <see cref="RegistryKeys.Revision"/>, <see cref="RegistryKeys.Functions"/>,
/// <see cref="RegistryKeys.Deleted"/>, <see cref="RegistryKeys.Changes"/> — one hash tag, one slot.
/// </summary>
internal static class RegistryScripts
{
    /// <summary>
    /// One committed change, atomically: check the revision the change was computed on (optimistic concurrency), write
    /// the changed documents and deletions, bump the revision, append the change log entry, publish.
    /// ARGV: expected revision, node, channel, change-log length, upsert count, (name, json)…, removal count, name….
    /// Returns {1, new revision} or {0, current revision} when another node committed first.
    /// </summary>
    public const string Commit = """
        local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
        if rev ~= tonumber(ARGV[1]) then return {0, rev} end
        local names = {}
        local i = 5
        local n = tonumber(ARGV[i]); i = i + 1
        for _ = 1, n do
          redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
          redis.call('SREM', KEYS[3], ARGV[i])
          names[#names + 1] = ARGV[i]
          i = i + 2
        end
        n = tonumber(ARGV[i]); i = i + 1
        for _ = 1, n do
          redis.call('HDEL', KEYS[2], ARGV[i])
          redis.call('SADD', KEYS[3], ARGV[i])
          names[#names + 1] = ARGV[i]
          i = i + 1
        end
        rev = rev + 1
        redis.call('SET', KEYS[1], rev)
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], rev .. '-1', 'names', table.concat(names, '\n'), 'node', ARGV[2])
        redis.call('PUBLISH', ARGV[3], rev .. ' ' .. ARGV[2])
        return {1, rev}
        """;

    /// <summary>
    /// What changed since a revision, read atomically. ARGV: the revision the node has applied (-1: everything).
    /// Returns {rev} when nothing changed; {rev, 0, name, json|nil, …} from the change log; or {rev, 1, {name, json, …},
    /// {deleted…}} (everything) when the node is further behind than the log reaches, or Redis went back in time.
    /// </summary>
    public const string Pull = """
        local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
        local since = tonumber(ARGV[1])
        if rev == since then return {rev} end
        if since >= 0 and since < rev then
          local entries = redis.call('XRANGE', KEYS[4], (since + 1) .. '-1', '+')
          if #entries == rev - since and entries[1][1] == (since + 1) .. '-1' then
            local seen = {}
            local out = {rev, 0}
            for _, entry in ipairs(entries) do
              local fields = entry[2]
              for f = 1, #fields, 2 do
                if fields[f] == 'names' then
                  for name in string.gmatch(fields[f + 1], '[^\n]+') do
                    if not seen[name] then
                      seen[name] = true
                      out[#out + 1] = name
                      out[#out + 1] = redis.call('HGET', KEYS[2], name)
                    end
                  end
                end
              end
            end
            return out
          end
        end
        return {rev, 1, redis.call('HGETALL', KEYS[2]), redis.call('SMEMBERS', KEYS[3])}
        """;

    /// <summary>
    /// Start-up seeding from a node's functions file: each document is written only where the cluster has nothing for
    /// that name (no document, no tombstone), or always when it is forced (<c>--reset-api-changes</c>). One revision for
    /// the whole seed when anything was written. ARGV: node, channel, change-log length, count, (name, json, force)….
    /// Returns {revision, seeded name…}.
    /// </summary>
    public const string Seed = """
        local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
        local names = {}
        local i = 5
        local n = tonumber(ARGV[4])
        for _ = 1, n do
          local name = ARGV[i]
          local absent = redis.call('HEXISTS', KEYS[2], name) == 0 and redis.call('SISMEMBER', KEYS[3], name) == 0
          if absent or ARGV[i + 2] == '1' then
            redis.call('HSET', KEYS[2], name, ARGV[i + 1])
            redis.call('SREM', KEYS[3], name)
            names[#names + 1] = name
          end
          i = i + 3
        end
        if #names > 0 then
          rev = rev + 1
          redis.call('SET', KEYS[1], rev)
          redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], rev .. '-1', 'names', table.concat(names, '\n'), 'node', ARGV[1])
          redis.call('PUBLISH', ARGV[2], rev .. ' ' .. ARGV[1])
        end
        local out = {rev}
        for _, name in ipairs(names) do out[#out + 1] = name end
        return out
        """;
}
