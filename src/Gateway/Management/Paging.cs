using System.Globalization;
using Gateway.Invoke;
using Microsoft.AspNetCore.Http;

namespace Gateway.Management;

/// <summary>
/// The List operations' <c>Marker</c>/<c>MaxItems</c>: MaxItems is checked against the model's bounds (AWS's
/// ValidationException), and the marker is an opaque key of the first item of the next page (here: the item's
/// sort key, so a page stays right when items before it are deleted).
/// </summary>
internal static class Paging
{
    /// <summary>Reads MaxItems (default <paramref name="defaultPage"/>, at most <paramref name="modelMax"/>) and
    /// Marker; the page is never longer than <paramref name="defaultPage"/>, as AWS answers.</summary>
    public static bool TryRead(IQueryCollection query, int modelMax, int defaultPage, out int pageSize, out string? marker, out LambdaError? error)
    {
        pageSize = defaultPage;
        marker = query.TryGetValue("Marker", out var markerText) && markerText.ToString().Length > 0 ? markerText.ToString() : null;
        error = null;
        if (!query.TryGetValue("MaxItems", out var maxText))
        {
            return true;
        }
        if (!int.TryParse(maxText.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int maxItems))
        {
            error = ValidationMessages.Single(maxText.ToString(), "maxItems", "Member must be a number");
            return false;
        }
        if (maxItems < 1)
        {
            error = ValidationMessages.Single(maxText.ToString(), "maxItems", "Member must have value greater than or equal to 1");
            return false;
        }
        if (maxItems > modelMax)
        {
            error = ValidationMessages.Single(maxText.ToString(), "maxItems", $"Member must have value less than or equal to {modelMax}");
            return false;
        }
        pageSize = Math.Min(maxItems, defaultPage);
        return true;
    }

    /// <summary>The page of <paramref name="sorted"/> (ordinal by <paramref name="key"/>) that starts at the marker,
    /// and the next page's marker (null on the last page).</summary>
    public static (List<T> Page, string? NextMarker) Page<T>(IReadOnlyList<T> sorted, Func<T, string> key, string? marker, int pageSize)
    {
        int start = 0;
        if (marker is not null)
        {
            while (start < sorted.Count && string.CompareOrdinal(key(sorted[start]), marker) < 0)
            {
                start++;
            }
        }
        int end = Math.Min(sorted.Count, start + pageSize);
        var page = new List<T>(end - start);
        for (int i = start; i < end; i++)
        {
            page.Add(sorted[i]);
        }
        return (page, end < sorted.Count ? key(sorted[end]) : null);
    }
}
