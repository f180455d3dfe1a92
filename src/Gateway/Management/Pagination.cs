using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Gateway.Functions;
using Gateway.Functions.Registry;

namespace Gateway.Management;

/// <summary>
/// Marker/MaxItems paging over a list kept in a stable order. A marker is opaque to clients (as AWS's are): here the
/// sort key of the next page's first item, base64url-encoded. Resuming finds the first item at or after that key, so
/// a page is still right when items before it were deleted between calls.
/// </summary>
internal static class Pagination
{
    /// <summary>The sort key of a version: function name, then $LATEST before published numbers in numeric order.</summary>
    public static string KeyOf(VersionRecord version)
    {
        var order = FunctionVersions.IsLatest(version.Version)
            ? "0000000000"
            : version.Version.PadLeft(10, '0');
        return version.Definition.Name + "\u0001" + order;
    }

    /// <summary>Versions of every function in name order; each function's $LATEST first, then numbers (with
    /// <paramref name="allVersions"/>) — ListFunctions' order.</summary>
    public static List<VersionRecord> Ordered(IEnumerable<FunctionRecord> functions, bool allVersions)
    {
        var ordered = new List<VersionRecord>();
        foreach (var function in functions.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            ordered.Add(function.Latest);
            if (allVersions)
            {
                ordered.AddRange(function.PublishedInOrder());
            }
        }
        return ordered;
    }

    /// <summary>One page of <paramref name="ordered"/> (sorted by <see cref="KeyOf"/>) and the marker of the next, or null.</summary>
    public static (List<VersionRecord> Page, string? NextMarker) Page(List<VersionRecord> ordered, string? marker, int maxItems)
    {
        int start = 0;
        if (!string.IsNullOrEmpty(marker) && Decode(marker) is { } key)
        {
            start = ordered.FindIndex(v => string.CompareOrdinal(KeyOf(v), key) >= 0);
            if (start < 0)
            {
                start = ordered.Count;
            }
        }
        int end = Math.Min(ordered.Count, start + maxItems);
        var next = end < ordered.Count ? Encode(KeyOf(ordered[end])) : null;
        return (ordered.GetRange(start, end - start), next);
    }

    private static string Encode(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    /// <summary>A marker this gateway did not issue reads as "from the start" rather than failing the listing.</summary>
    private static string? Decode(string marker)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(marker));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static string FormatVersion(int number) => number.ToString(CultureInfo.InvariantCulture);
}
