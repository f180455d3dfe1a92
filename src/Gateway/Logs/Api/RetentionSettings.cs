using System.Text.Json;

namespace Gateway.Logs.Api;

/// <summary>
/// PutRetentionPolicy's days per log group, kept in <c>{data}/logs/.retention.json</c> so they survive a restart.
/// <see cref="LogRetention"/> removes a group's streams older than its days (or the gateway's own maximum age, if shorter).
/// </summary>
internal sealed class RetentionSettings
{
    /// <summary>botocore's <c>Days</c>: the values CloudWatch Logs accepts.</summary>
    public static readonly int[] AllowedDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    private readonly object _lock = new();
    private readonly string _path;
    private Dictionary<string, int> _days;

    public RetentionSettings(string logsRoot)
    {
        _path = Path.Combine(logsRoot, ".retention.json");
        _days = Load(_path);
    }

    public int? DaysOf(string logGroup)
    {
        lock (_lock)
        {
            return _days.TryGetValue(logGroup, out int days) ? days : null;
        }
    }

    /// <summary>Sets (or with null removes) a group's retention and writes the file.</summary>
    public void Set(string logGroup, int? days)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, int>(_days, StringComparer.Ordinal);
            if (days is { } d)
            {
                next[logGroup] = d;
            }
            else
            {
                next.Remove(logGroup);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var temporary = _path + ".tmp";
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(new RetentionPolicies { Days = next }, LogsJsonContext.Default.RetentionPolicies));
            File.Move(temporary, _path, overwrite: true);
            _days = next;
        }
    }

    private static Dictionary<string, int> Load(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                var policies = JsonSerializer.Deserialize(File.ReadAllBytes(path), LogsJsonContext.Default.RetentionPolicies);
                return new Dictionary<string, int>(policies?.Days ?? [], StringComparer.Ordinal);
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            Console.Error.WriteLine($"[gateway] ignoring {path}: {ex.Message}");
        }
        return new Dictionary<string, int>(StringComparer.Ordinal);
    }
}
