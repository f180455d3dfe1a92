using System.Collections.Frozen;

namespace Gateway.FunctionUrls;

/// <summary>
/// Every function URL at one moment, immutable: by id (the router's lookup, a frozen dictionary read with no lock
/// and no allocation) and by function and qualifier (the API's).
/// </summary>
internal sealed class FunctionUrlSnapshot
{
    private readonly FrozenDictionary<string, FunctionUrlConfig> _byId;
    private readonly FrozenDictionary<(string Function, string Qualifier), FunctionUrlConfig> _byKey;

    public FunctionUrlSnapshot(IEnumerable<FunctionUrlConfig> configs)
    {
        var list = configs.ToList();
        _byId = list.ToFrozenDictionary(c => c.UrlId, StringComparer.Ordinal);
        _byKey = list.ToFrozenDictionary(c => c.Key);
    }

    public static FunctionUrlSnapshot Empty { get; } = new([]);

    public int Count => _byId.Count;

    public IEnumerable<FunctionUrlConfig> All => _byId.Values;

    public bool TryGetById(ReadOnlySpan<char> urlId, out FunctionUrlConfig config) =>
        _byId.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(urlId, out config!);

    public bool TryGet(string function, string? qualifier, out FunctionUrlConfig config) =>
        _byKey.TryGetValue((function, qualifier ?? ""), out config!);

    /// <summary>The function's URLs (unqualified first, then by alias name).</summary>
    public List<FunctionUrlConfig> OfFunction(string function) =>
        _byId.Values.Where(c => c.FunctionName == function).OrderBy(c => c.Qualifier ?? "", StringComparer.Ordinal).ToList();

    public FunctionUrlSnapshot With(FunctionUrlConfig config) =>
        new(_byId.Values.Where(c => c.Key != config.Key).Append(config));

    public FunctionUrlSnapshot Without(IReadOnlyCollection<FunctionUrlConfig> removed) =>
        new(_byId.Values.Where(c => !removed.Contains(c)));
}
