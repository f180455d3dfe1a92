using Gateway.Functions.Registry;
using Gateway.FunctionUrls;
using Gateway.UnitTests.Management;

namespace Gateway.UnitTests.FunctionUrls;

public sealed class FunctionUrlRegistryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 17, 0, 0, TimeSpan.Zero);

    private sealed class MemoryStore(params FunctionUrlConfig[] initial) : IFunctionUrlStore
    {
        public Dictionary<(string, string), FunctionUrlConfig> Rows { get; } = initial.ToDictionary(c => c.Key);

        public bool Fail { get; set; }

        public IReadOnlyList<FunctionUrlConfig> Load() => Rows.Values.ToList();

        public void Save(FunctionUrlConfig config)
        {
            if (Fail)
            {
                throw new RegistryStoreException("disk full");
            }
            Rows[config.Key] = config;
        }

        public void Delete(IReadOnlyCollection<FunctionUrlConfig> configs)
        {
            if (Fail)
            {
                throw new RegistryStoreException("disk full");
            }
            foreach (var config in configs)
            {
                Rows.Remove(config.Key);
            }
        }
    }

    private static FunctionUrlConfig Url(string function, string? qualifier = null) => new()
    {
        UrlId = FunctionUrlIds.NewId(),
        FunctionName = function,
        Qualifier = qualifier,
        CreationTime = Now,
        LastModifiedTime = Now,
    };

    [Fact]
    public void Urls_of_functions_and_aliases_that_no_longer_exist_are_dropped_at_start()
    {
        var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1"))), null);
        var kept = Url("f");
        var keptAlias = Url("f", "live");
        var store = new MemoryStore(kept, keptAlias, Url("gone"), Url("f", "old"));
        var urls = new FunctionUrlRegistry(functions, store);

        Assert.Equal(2, urls.Current.Count);
        Assert.True(urls.Current.TryGetById(kept.UrlId, out _));
        Assert.True(urls.Current.TryGetById(keptAlias.UrlId, out _));
        Assert.Equal(2, store.Rows.Count);
    }

    [Fact]
    public void A_url_goes_with_its_alias_and_its_function()
    {
        var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1")), Records.Function("g")), null);
        var store = new MemoryStore();
        var urls = new FunctionUrlRegistry(functions, store);
        var unqualified = Url("f");
        var alias = Url("f", "live");
        var other = Url("g");
        foreach (var config in new[] { unqualified, alias, other })
        {
            urls.Change((_, _) => (config, (FunctionUrlConfig?)null, 0));
        }
        Assert.Equal(3, store.Rows.Count);

        functions.Change(s => (new RegistrySnapshot(s.Revision + 1, s.All.Select(f => f.Name == "f" ? f with { Aliases = f.Aliases.Remove("live") } : f)), 0));
        Assert.False(urls.Current.TryGetById(alias.UrlId, out _));
        Assert.True(urls.Current.TryGetById(unqualified.UrlId, out _));
        Assert.Equal(2, store.Rows.Count);

        functions.Change(s => (s.Without("f"), 0));
        Assert.False(urls.Current.TryGetById(unqualified.UrlId, out _));
        Assert.True(urls.Current.TryGetById(other.UrlId, out _));
        Assert.Single(store.Rows);
    }

    [Fact]
    public void A_store_that_cannot_write_changes_nothing()
    {
        var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f")), null);
        var store = new MemoryStore { Fail = true };
        var urls = new FunctionUrlRegistry(functions, store);
        Assert.Throws<RegistryStoreException>(() => urls.Change((_, _) => (Url("f"), (FunctionUrlConfig?)null, 0)));
        Assert.Equal(0, urls.Current.Count);
    }
}
