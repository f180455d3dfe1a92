using System.Text.Json;

namespace Gateway.Logs;

/// <summary>
/// The level of one application log line, as Lambda reads it for ApplicationLogLevel filtering in JSON format: a JSON
/// object's top-level <c>"level"</c> member (any case; TRACE … FATAL); a line that is not a JSON object, or has no
/// valid level, is INFO ("If the level value field is invalid or missing, Lambda will assign the log output the level
/// INFO", Lambda's log-level filtering docs).
/// </summary>
internal static class JsonLineLevel
{
    private const int Info = 2;

    public static int Of(ReadOnlySpan<byte> line)
    {
        int start = 0;
        while (start < line.Length && line[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }
        if (start == line.Length || line[start] != (byte)'{')
        {
            return Info;
        }
        Span<byte> value = stackalloc byte[16];
        try
        {
            var reader = new Utf8JsonReader(line[start..], new JsonReaderOptions { AllowTrailingCommas = true });
            reader.Read(); // {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isLevel = reader.ValueTextEquals("level"u8) || reader.ValueTextEquals("Level"u8) || reader.ValueTextEquals("LEVEL"u8);
                reader.Read();
                if (isLevel)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return Info;
                    }
                    if (reader.ValueSpan.Length > value.Length || reader.ValueIsEscaped)
                    {
                        return Info;
                    }
                    int n = reader.CopyString(value);
                    int rank = Rank(value[..n]);
                    return rank < 0 ? Info : rank;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // not JSON after all: plain text, INFO
        }
        return Info;
    }

    private static int Rank(ReadOnlySpan<byte> level)
    {
        Span<byte> upper = stackalloc byte[level.Length];
        for (int i = 0; i < level.Length; i++)
        {
            upper[i] = level[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(level[i] - 32) : level[i];
        }
        return upper switch
        {
            _ when upper.SequenceEqual("TRACE"u8) => 0,
            _ when upper.SequenceEqual("DEBUG"u8) => 1,
            _ when upper.SequenceEqual("INFO"u8) => 2,
            _ when upper.SequenceEqual("WARN"u8) || upper.SequenceEqual("WARNING"u8) => 3,
            _ when upper.SequenceEqual("ERROR"u8) => 4,
            _ when upper.SequenceEqual("FATAL"u8) || upper.SequenceEqual("CRITICAL"u8) => 5,
            _ => -1,
        };
    }
}
