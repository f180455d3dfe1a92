using Microsoft.Extensions.Logging;

namespace Gateway.EventStore;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Event store {Path}: torn or corrupt write-ahead-log tail ({Bytes} bytes after the last committed frame: checksum mismatch {Mismatch}, uncommitted frames {Uncommitted}, partial frame {Partial}); SQLite discards it, {Committed} committed frames kept")]
    public static partial void TornWalTail(ILogger logger, string path, long bytes, bool mismatch, int uncommitted, bool partial, int committed);

    [LoggerMessage(2, LogLevel.Error, "Event store {Path} is corrupt ({Reason}); moved aside to {QuarantinePath} and starting an empty store")]
    public static partial void Quarantined(ILogger logger, string path, string reason, string quarantinePath);

    [LoggerMessage(3, LogLevel.Information, "Event store {Path} recovered: {InFlight} in-flight events returned to pending, {Pending} pending, {Dead} dead-lettered")]
    public static partial void Recovered(ILogger logger, string path, int inFlight, long pending, long dead);

    [LoggerMessage(4, LogLevel.Error, "Event store {Path}: commit of {Count} operations failed ({Status}): {Error}")]
    public static partial void CommitFailed(ILogger logger, string path, int count, StoreStatus status, string error);
}
