using System.Collections.Concurrent;

namespace Gateway.Logs.Api;

/// <summary>
/// The log groups and streams on disk: every <c>{data}/logs/{function}/.index/*.idx</c> names its stream and group, so
/// a custom LoggingConfig.LogGroup shared by several functions is one group, and a function's streams from before a
/// LogGroup change stay in the group they were written to. A header is read once per file.
/// </summary>
internal sealed class LogCatalog
{
    private readonly string _root;
    private readonly ConcurrentDictionary<string, LogStreamFile> _headers = new(StringComparer.Ordinal);

    public LogCatalog(string root)
    {
        _root = root;
    }

    /// <summary>Every stream, in no particular order.</summary>
    public List<LogStreamFile> Streams()
    {
        var streams = new List<LogStreamFile>();
        if (!Directory.Exists(_root))
        {
            return streams;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var functionDirectory in Directory.EnumerateDirectories(_root))
        {
            var indexDirectory = Path.Combine(functionDirectory, StreamIndex.Directory);
            if (!Directory.Exists(indexDirectory))
            {
                continue;
            }
            foreach (var indexPath in Directory.EnumerateFiles(indexDirectory, "*" + StreamIndex.Extension))
            {
                seen.Add(indexPath);
                // A header not readable yet (a stream being opened) is not remembered: the next scan tries again.
                if (!_headers.TryGetValue(indexPath, out var stream) && (stream = ReadHeader(indexPath)) is not null)
                {
                    _headers[indexPath] = stream;
                }
                if (stream is not null && File.Exists(stream.FilePath))
                {
                    streams.Add(stream);
                }
            }
        }
        foreach (var gone in _headers.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _headers.TryRemove(gone, out _);
        }
        return streams;
    }

    public List<LogStreamFile> StreamsOf(string logGroup) => [.. Streams().Where(s => s.LogGroup == logGroup)];

    private static LogStreamFile? ReadHeader(string indexPath)
    {
        try
        {
            Span<byte> head = stackalloc byte[2048];
            using var stream = new FileStream(indexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (!StreamIndex.TryReadHeader(head[..n], out var group, out var name, out int headerLength))
            {
                return null;
            }
            var fileName = Path.GetFileName(indexPath)[..^StreamIndex.Extension.Length];
            return new LogStreamFile
            {
                LogGroup = group,
                LogStream = name,
                FilePath = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(indexPath))!, fileName),
                IndexPath = indexPath,
                HeaderLength = headerLength,
            };
        }
        catch (IOException)
        {
            return null;
        }
    }
}
