using System.Text;

namespace Gateway.Fuzz.Smoke;

/// <summary>
/// Reads an AFL dictionary (<c>name="value"</c> lines, <c>\xNN</c>, <c>\"</c> and <c>\\</c> escapes), the same file
/// afl-fuzz is given with <c>-x</c>.
/// </summary>
internal static class Dictionary
{
    public static List<byte[]> Load(string path)
    {
        var tokens = new List<byte[]>();
        if (!File.Exists(path))
        {
            return tokens;
        }
        foreach (var raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            int open = line.IndexOf('"');
            if (line.StartsWith('#') || open < 0 || !line.EndsWith('"') || line.Length - open < 2)
            {
                continue;
            }
            tokens.Add(Unescape(line[(open + 1)..^1]));
        }
        return tokens;
    }

    private static byte[] Unescape(string value)
    {
        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                if (value[i + 1] == 'x' && i + 3 < value.Length)
                {
                    bytes.Add(Convert.ToByte(value.Substring(i + 2, 2), 16));
                    i += 3;
                    continue;
                }
                bytes.Add((byte)value[++i]);
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
        }
        return [.. bytes];
    }
}
