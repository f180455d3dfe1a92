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
        if (MaxItemsConstraint(maxText.ToString(), modelMax, out int maxItems) is { } constraint)
        {
            error = ValidationMessages.Single(maxText.ToString(), "maxItems", constraint);
            return false;
        }
        pageSize = Math.Min(maxItems, defaultPage);
        return true;
    }

    /// <summary>The model constraint MaxItems breaks (null when it is a number from 1 to <paramref name="modelMax"/>),
    /// for a request whose members are checked together (<see cref="CheckMaxItems"/>) or alone (<see cref="TryRead"/>).</summary>
    public static string? MaxItemsConstraint(string text, int modelMax, out int maxItems)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxItems))
        {
            return "Member must be a number";
        }
        if (maxItems < 1)
        {
            return "Member must have value greater than or equal to 1";
        }
        return maxItems > modelMax ? $"Member must have value less than or equal to {modelMax}" : null;
    }

    /// <summary>The query's MaxItems, if any, checked into <paramref name="errors"/> with the request's other members
    /// (AWS names every violated member in one ValidationException).</summary>
    public static void CheckMaxItems(IQueryCollection query, int modelMax, ValidationMessages errors)
    {
        if (query.TryGetValue("MaxItems", out var text) && MaxItemsConstraint(text.ToString(), modelMax, out _) is { } constraint)
        {
            errors.Add(text.ToString(), "maxItems", constraint);
        }
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
