using System.Globalization;

namespace Gateway.Security.Signing;

/// <summary>
/// The signing time from a <c>Date</c> header, read when there is no <c>X-Amz-Date</c> ("If we can't find an
/// x-amz-date header, then we look for a date header", IAM User Guide, "Elements of an AWS API request signature").
/// Three forms are accepted:
/// <list type="bullet">
/// <item>ISO 8601 basic, <c>20261207T145136Z</c>: the form AWS documents ("If the Date header is specified in the ISO
/// 8601 basic format, X-Amz-Date is not required", Lambda API reference, Common Parameters);</item>
/// <item>RFC 1123, <c>Mon, 07 Dec 2026 14:51:36 GMT</c>: HTTP's own Date;</item>
/// <item>RFC 2822 with a numeric zone, <c>Mon, 07 Dec 2026 14:51:36 -0000</c>: what botocore writes when a request
/// carries a Date header (auth.py <c>_set_necessary_date_headers</c> uses <c>email.utils.formatdate</c>).</item>
/// </list>
/// Cold: no SDK sends a Date header for Lambda unless asked to, so these strings and parsers cost nothing per invoke.
/// </summary>
internal static class DateHeader
{
    /// <summary>RFC 2822's date and time before the zone (the day may be one digit).</summary>
    private static readonly string[] DateTimeWithoutZone = ["ddd, d MMM yyyy HH:mm:ss", "d MMM yyyy HH:mm:ss"];

    public static bool TryParse(string text, out DateTimeOffset at)
    {
        if (AmzDates.TryParse(text, out at))
        {
            return true;
        }
        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
        {
            return true;
        }
        return TryParseNumericZone(text, out at);
    }

    /// <summary><c>… HH:mm:ss ±hhmm</c>: the time is local to the zone, so the instant is the time minus the offset.</summary>
    private static bool TryParseNumericZone(string text, out DateTimeOffset at)
    {
        at = default;
        if (text.Length < 7 || text[^6] != ' ' || text[^5] is not ('+' or '-'))
        {
            return false;
        }
        var zone = text.AsSpan(text.Length - 4);
        if (!int.TryParse(zone[..2], NumberStyles.None, CultureInfo.InvariantCulture, out int hours)
            || !int.TryParse(zone[2..], NumberStyles.None, CultureInfo.InvariantCulture, out int minutes)
            || hours > 23 || minutes > 59)
        {
            return false;
        }
        if (!DateTime.TryParseExact(text.AsSpan(0, text.Length - 6), DateTimeWithoutZone, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }
        var offset = new TimeSpan(hours, minutes, 0);
        try
        {
            at = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), text[^5] == '-' ? -offset : offset).ToUniversalTime();
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // an instant before year 1 or after 9999 once the offset is taken off
        }
        return true;
    }
}
