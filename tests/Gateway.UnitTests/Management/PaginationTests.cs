using Gateway.Management;
using static Gateway.UnitTests.Management.ManagementFixtures;

namespace Gateway.UnitTests.Management;

public class PaginationTests
{
    private static List<Gateway.Functions.Registry.VersionRecord> Functions(int count) =>
        Pagination.Ordered(Enumerable.Range(0, count).Select(i => Function($"fn-{i:D3}")), allVersions: false);

    [Fact]
    public void Pages_follow_the_markers_to_the_end_without_gaps_or_repeats()
    {
        var all = Functions(120);
        var seen = new List<string>();
        string? marker = null;
        int pages = 0;
        do
        {
            var (page, next) = Pagination.Page(all, marker, 50);
            Assert.True(page.Count <= 50);
            seen.AddRange(page.Select(v => v.Definition.Name));
            marker = next;
            pages++;
        }
        while (marker is not null);
        Assert.Equal(3, pages);
        Assert.Equal(all.Select(v => v.Definition.Name), seen);
    }

    [Fact]
    public void A_marker_still_works_after_items_before_it_are_deleted()
    {
        var all = Functions(10);
        var (_, marker) = Pagination.Page(all, null, 4);
        var fewer = all.Where(v => v.Definition.Name is not ("fn-000" or "fn-001")).ToList();
        var (page, _) = Pagination.Page(fewer, marker, 4);
        Assert.Equal("fn-004", page[0].Definition.Name);
    }

    [Fact]
    public void Versions_list_LATEST_first_then_numbers_in_numeric_order()
    {
        var snapshot = Snapshot(Function("fn"));
        for (int i = 0; i < 11; i++)
        {
            snapshot = Published(snapshot, "fn");
            snapshot.TryGet("fn", out var f);
            var changed = f.Latest with { CodeSha256 = "sha" + i };
            snapshot = snapshot.With(f with { Latest = changed });
        }
        snapshot.TryGet("fn", out var function);
        var ordered = Pagination.Ordered([function], allVersions: true);
        Assert.Equal(["$LATEST", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"], ordered.Select(v => v.Version));

        var (first, marker) = Pagination.Page(ordered, null, 5);
        var (second, _) = Pagination.Page(ordered, marker, 5);
        Assert.Equal(["$LATEST", "1", "2", "3", "4"], first.Select(v => v.Version));
        Assert.Equal(["5", "6", "7", "8", "9"], second.Select(v => v.Version));
    }

    [Fact]
    public void A_foreign_marker_starts_from_the_beginning()
    {
        var (page, _) = Pagination.Page(Functions(3), "not*base64url!", 50);
        Assert.Equal(3, page.Count);
    }
}
