using System.Text.RegularExpressions;
using Gateway.Invoke;

namespace Gateway.UnitTests;

/// <summary>Invocation request ids: version-4 UUIDs in Lambda's text form, distinct.</summary>
public sealed partial class RequestIdsTests
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex V4();

    [Fact]
    public void Ids_are_version_4_rfc_4122_uuids_and_do_not_repeat()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 10_000; i++)
        {
            var id = RequestIds.NewV4();
            var text = id.ToString();
            Assert.Matches(V4(), text);
            Assert.Equal(4, id.Version);
            Assert.True(seen.Add(text));
        }
    }

    [Fact]
    public void Ids_drawn_on_many_threads_at_once_are_distinct()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                ids.Add(RequestIds.NewV4());
            }
        });
        Assert.Equal(16_000, ids.Distinct().Count());
    }
}
