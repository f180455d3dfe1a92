using System.Collections.Concurrent;

namespace Gateway.Async.Destinations;

/// <summary>
/// Appends records to JSON-lines files — the local stand-ins for queues, topics, buses and buckets, and the
/// <c>file:///</c> destinations. One record per line, written with one <c>write(2)</c> and <c>fsync</c>'d before the
/// append reports success (a delivered record must survive a crash: the event is deleted after it).
/// </summary>
/// <remarks>
/// Appends to one file are serialized by a lock per file, so this process never has two writes (or two fsyncs)
/// in flight on one file; O_APPEND keeps other processes' lines whole too (<see cref="AppendOnlyFile"/>).
/// </remarks>
internal sealed class JsonLinesSink
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Appends <paramref name="line"/> (one JSON document ending in '\n'); false when the file system refused.</summary>
    public async Task<bool> AppendAsync(string path, ReadOnlyMemory<byte> line, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(path, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (AppendOnlyFile.TryAppend(path, line.Span, out int errno))
            {
                return true;
            }
            Console.Error.WriteLine($"[gateway] Destination file {path}: append failed (errno {errno})");
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"[gateway] Destination file {path}: {ex.Message}");
            return false;
        }
        finally
        {
            gate.Release();
        }
    }
}
