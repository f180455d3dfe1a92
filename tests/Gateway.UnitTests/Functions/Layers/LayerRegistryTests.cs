using System.Collections.Immutable;
using Gateway.Functions.Layers;
using Gateway.UnitTests.Functions.Code;

namespace Gateway.UnitTests.Functions.Layers;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayerRegistryTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    internal static LayerVersionRecord Version(string name, long number, ImmutableArray<string>? runtimes = null, long unzipped = 10) => new()
    {
        LayerName = name,
        LayerArn = LayerArns.LayerArn("us-east-1", "000000000000", name),
        Version = number,
        CompatibleRuntimes = runtimes,
        CreatedDate = DateTimeOffset.UnixEpoch,
        CodeSha256 = "c2hh",
        Sha256Hex = new string('a', 64),
        CodeSize = 5,
        UnzippedSize = unzipped,
    };

    [Fact]
    public void Numbers_are_never_reused_after_a_delete()
    {
        var registry = new LayerRegistry(null);
        Assert.Equal(1, registry.Publish("lib", n => Version("lib", n)).Version);
        Assert.Equal(2, registry.Publish("lib", n => Version("lib", n)).Version);
        Assert.True(registry.Delete("lib", 2));
        Assert.False(registry.Delete("lib", 2)); // deleted already: nothing to do
        Assert.Equal(3, registry.Publish("lib", n => Version("lib", n)).Version);
        Assert.False(registry.Current.TryGetLive("lib", 2, out _));
        Assert.True(registry.Current.TryGetAny("lib", 2, out var kept) && kept.Deleted);
        Assert.Equal([3L, 1L], registry.Current.LiveVersionsNewestFirst("lib").Select(v => v.Version));
    }

    [Fact]
    public void The_store_keeps_versions_and_deletions_across_a_reopen()
    {
        var path = _data.Combine("registry.db");
        using (var store = SqliteLayerStore.Open(path))
        {
            var registry = new LayerRegistry(store);
            registry.Publish("lib", n => Version("lib", n, ["python3.12"]));
            registry.Publish("lib", n => Version("lib", n));
            registry.Delete("lib", 2);
        }
        using (var store = SqliteLayerStore.Open(path))
        {
            var registry = new LayerRegistry(store);
            Assert.True(registry.Current.TryGetLive("lib", 1, out var one));
            Assert.Equal(["python3.12"], one.CompatibleRuntimes!.Value.ToArray());
            Assert.Null(registry.Current.TryGetAny("lib", 2, out var two) ? two.CompatibleRuntimes : throw new Xunit.Sdk.XunitException("version 2 forgotten"));
            Assert.True(two.Deleted);
            Assert.Equal(3, registry.Publish("lib", n => Version("lib", n)).Version);
        }
    }
}
