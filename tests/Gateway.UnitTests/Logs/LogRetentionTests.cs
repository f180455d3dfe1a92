using System.Text;
using Gateway.Logs;
using Gateway.Logs.Api;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Logs;

/// <summary>Old stream files are removed by age (the gateway's and a group's PutRetentionPolicy) and by total size;
/// open ones never.</summary>
public sealed class LogRetentionTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gateway-retention-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Stream(string function, string name, int bytes, TimeSpan age, string? group = null)
    {
        var file = Path.Combine(_root, function, name + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, new string('x', bytes - 1) + "\n");
        var index = StreamIndex.PathFor(file);
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        File.WriteAllBytes(index, StreamIndex.Header(group ?? "/aws/lambda/" + function, name));
        File.SetLastWriteTimeUtc(file, _clock.GetUtcNow().UtcDateTime - age);
        return file;
    }

    private int Sweep(double maxAgeDays, double maxMegabytes, RetentionSettings? settings = null, Func<string, bool>? isOpen = null)
    {
        using var retention = new LogRetention(_root, new LogCatalog(_root), settings ?? new RetentionSettings(_root), isOpen ?? (_ => false), _clock, maxAgeDays, maxMegabytes);
        return retention.Sweep();
    }

    [Fact]
    public void Streams_older_than_the_maximum_age_go_with_their_index_unless_open()
    {
        var old = Stream("fn", "old", 10, TimeSpan.FromDays(3));
        var openOld = Stream("fn", "open", 10, TimeSpan.FromDays(3));
        var fresh = Stream("fn", "fresh", 10, TimeSpan.FromHours(1));

        Assert.Equal(1, Sweep(maxAgeDays: 2, maxMegabytes: 0, isOpen: f => f == openOld));

        Assert.False(File.Exists(old));
        Assert.False(File.Exists(StreamIndex.PathFor(old)));
        Assert.True(File.Exists(openOld));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void A_groups_retention_policy_applies_when_shorter()
    {
        var settings = new RetentionSettings(_root);
        settings.Set("/aws/lambda/short", 1);
        var shortLived = Stream("short", "s", 10, TimeSpan.FromDays(2));
        var other = Stream("other", "s", 10, TimeSpan.FromDays(2));

        Assert.Equal(1, Sweep(maxAgeDays: 30, maxMegabytes: 0, settings));
        Assert.False(File.Exists(shortLived));
        Assert.True(File.Exists(other));
        // Kept in a file: a new instance (a restart) knows it.
        Assert.Equal(1, new RetentionSettings(_root).DaysOf("/aws/lambda/short"));
    }

    [Fact]
    public void Over_the_size_cap_the_least_recently_written_go_first()
    {
        var oldest = Stream("fn", "a", 600 * 1024, TimeSpan.FromHours(3));
        var middle = Stream("fn", "b", 600 * 1024, TimeSpan.FromHours(2));
        var newest = Stream("fn", "c", 600 * 1024, TimeSpan.FromHours(1));

        Assert.Equal(2, Sweep(maxAgeDays: 0, maxMegabytes: 1));
        Assert.False(File.Exists(oldest));
        Assert.False(File.Exists(middle));
        Assert.True(File.Exists(newest));
    }
}
