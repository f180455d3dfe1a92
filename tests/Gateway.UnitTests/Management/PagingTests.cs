using Gateway.Management;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.UnitTests.Management;

public sealed class PagingTests
{
    private static QueryCollection Query(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => new StringValues(p.Value)));

    [Fact]
    public void Pages_follow_the_marker_to_the_end()
    {
        string[] items = ["a", "b", "c", "d", "e"];
        var seen = new List<string>();
        string? marker = null;
        int pages = 0;
        do
        {
            var (page, next) = Paging.Page(items, s => s, marker, 2);
            seen.AddRange(page);
            marker = next;
            pages++;
        }
        while (marker is not null);
        Assert.Equal(items, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public void A_marker_whose_item_was_deleted_continues_after_it()
    {
        var (page, _) = Paging.Page(["a", "c", "d"], s => s, "b", 10);
        Assert.Equal(["c", "d"], page);
    }

    [Theory]
    [InlineData("0", "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")]
    [InlineData("51", "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50")]
    public void MaxItems_outside_the_model_is_a_validation_error(string maxItems, string message)
    {
        Assert.False(Paging.TryRead(Query(("MaxItems", maxItems)), 50, 50, out _, out _, out var error));
        Assert.Equal(message, error!.Message);
    }

    [Fact]
    public void MaxItems_above_the_page_size_gets_a_full_page()
    {
        Assert.True(Paging.TryRead(Query(("MaxItems", "500"), ("Marker", "m")), 10000, 50, out int size, out var marker, out _));
        Assert.Equal(50, size);
        Assert.Equal("m", marker);
    }
}
