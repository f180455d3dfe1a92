using System.Globalization;

namespace Gateway.Logs.Api;

/// <summary>
/// The Logs API's pagination tokens and event ids.
/// <list type="bullet">
/// <item>GetLogEvents: AWS's shapes, <c>f/{56 digits}/s</c> (forward: the lines from this position on) and
/// <c>b/{56 digits}/s</c> (backward: the lines before it); the digits are a byte offset in the stream's file, which only
/// grows. At the end of a stream the forward token comes back unchanged, which is how AWS's callers know to stop.</item>
/// <item>Event ids: 56 digits, <c>{timestamp:20}{stream:16}{offset:20}</c>, so ids sort as FilterLogEvents orders events
/// (time, then stream, then position) and FilterLogEvents' nextToken is simply the last id returned.</item>
/// <item>DescribeLogGroups: the last group name returned; DescribeLogStreams: how many streams came before.</item>
/// </list>
/// </summary>
internal static class LogTokens
{
    private const int Digits = 56;

    public static string Forward(long offset) => "f/" + offset.ToString("D56", CultureInfo.InvariantCulture) + "/s";

    public static string Backward(long offset) => "b/" + offset.ToString("D56", CultureInfo.InvariantCulture) + "/s";

    public static bool TryParseStreamToken(string token, out bool forward, out long offset)
    {
        forward = false;
        offset = 0;
        if (token.Length != Digits + 4 || token[1] != '/' || token[^2] != '/' || token[^1] != 's' || token[0] is not ('f' or 'b'))
        {
            return false;
        }
        forward = token[0] == 'f';
        return long.TryParse(token.AsSpan(2, Digits), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }

    public static string EventId(long timestamp, ulong streamHash, long offset) =>
        timestamp.ToString("D20", CultureInfo.InvariantCulture)
        + (streamHash % 10_000_000_000_000_000UL).ToString("D16", CultureInfo.InvariantCulture)
        + offset.ToString("D20", CultureInfo.InvariantCulture);

    public static bool IsEventId(string token) => token.Length == Digits && token.All(char.IsAsciiDigit);
}
