using Gateway.Logs.Api;

namespace Gateway.Logs;

/// <summary>
/// Removes old log streams so <c>{data}/logs</c> cannot fill the disk: a stream file (with its index) whose last line is
/// older than its group's retention (PutRetentionPolicy) or the gateway's maximum age, and then, while all streams
/// together are over the size cap, the least recently written. A stream still being written (its environment is alive)
/// is never removed: CloudWatch expires events, this expires whole files, and an open file is not old.
/// Runs at start and once a minute.
/// </summary>
internal sealed class LogRetention : IDisposable
{
    private readonly string _root;
    private readonly LogCatalog _catalog;
    private readonly RetentionSettings _settings;
    private readonly Func<string, bool> _isOpen;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _maxAge;
    private readonly long? _maxBytes;
    private readonly ITimer _timer;
    private int _running;

    /// <param name="maxAgeDays">The gateway's maximum age (0 or less: none).</param>
    /// <param name="maxMegabytes">The cap on all stream files together (0 or less: none).</param>
    public LogRetention(string root, LogCatalog catalog, RetentionSettings settings, Func<string, bool> isOpen, TimeProvider time, double maxAgeDays, double maxMegabytes)
    {
        _root = root;
        _catalog = catalog;
        _settings = settings;
        _isOpen = isOpen;
        _time = time;
        _maxAge = maxAgeDays > 0 ? TimeSpan.FromDays(maxAgeDays) : null;
        _maxBytes = maxMegabytes > 0 ? (long)(maxMegabytes * 1024 * 1024) : null;
        _timer = time.CreateTimer(static s => ((LogRetention)s!).Sweep(), this, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    /// <summary>One pass; returns how many streams were removed.</summary>
    public int Sweep()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return 0;
        }
        try
        {
            return SweepCore();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"[gateway] log retention: {ex.Message}");
            return 0;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private int SweepCore()
    {
        if (!Directory.Exists(_root))
        {
            return 0;
        }
        var groups = _catalog.Streams().ToDictionary(s => s.FilePath, s => s.LogGroup, StringComparer.Ordinal);
        var files = new List<FileInfo>();
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            files.AddRange(new DirectoryInfo(directory).EnumerateFiles("*.log"));
        }
        var now = _time.GetUtcNow().UtcDateTime;
        int removed = 0;
        var kept = new List<FileInfo>();
        foreach (var file in files)
        {
            var group = groups.TryGetValue(file.FullName, out var g) ? g : "/aws/lambda/" + file.Directory!.Name;
            var limit = _maxAge;
            if (_settings.DaysOf(group) is { } days && (limit is null || TimeSpan.FromDays(days) < limit))
            {
                limit = TimeSpan.FromDays(days);
            }
            if (limit is { } age && now - file.LastWriteTimeUtc > age && !_isOpen(file.FullName))
            {
                removed += Remove(file);
            }
            else
            {
                kept.Add(file);
            }
        }
        if (_maxBytes is { } cap)
        {
            long total = kept.Sum(f => f.Length);
            foreach (var file in kept.OrderBy(f => f.LastWriteTimeUtc))
            {
                if (total <= cap)
                {
                    break;
                }
                if (!_isOpen(file.FullName))
                {
                    total -= file.Length;
                    removed += Remove(file);
                }
            }
        }
        return removed;
    }

    private static int Remove(FileInfo file)
    {
        File.Delete(StreamIndex.PathFor(file.FullName));
        file.Delete();
        return 1;
    }

    public void Dispose() => _timer.Dispose();
}
