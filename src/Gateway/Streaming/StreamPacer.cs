namespace Gateway.Streaming;

/// <summary>
/// AWS's bandwidth rule for streamed responses: the first <c>uncapped</c> bytes (6 MB) go at full speed, the rest at
/// no more than <c>bytesPerSecond</c> (2 MBps). Slowing the forwarding loop is enough: the runtime's socket then fills
/// and its writes wait, as they would on AWS.
/// </summary>
internal sealed class StreamPacer(long uncapped, long bytesPerSecond, TimeProvider time)
{
    private long _sent;
    private long _cappedSince;

    public ValueTask PaceAsync(long bytes)
    {
        _sent += bytes;
        if (bytesPerSecond <= 0 || _sent <= uncapped)
        {
            return ValueTask.CompletedTask;
        }
        if (_cappedSince == 0)
        {
            _cappedSince = time.GetTimestamp();
        }
        var due = TimeSpan.FromSeconds((double)(_sent - uncapped) / bytesPerSecond);
        var wait = due - time.GetElapsedTime(_cappedSince);
        return wait > TimeSpan.FromMilliseconds(1) ? new ValueTask(Task.Delay(wait, time)) : ValueTask.CompletedTask;
    }
}
