namespace Gateway.Async;

/// <summary>One function's asynchronous-invocation counters (Lambda's CloudWatch names where AWS has one).</summary>
internal sealed class AsyncMetrics
{
    private long _received, _dropped, _retries, _deadLetterErrors, _destinationFailures, _destinationDeliveries;

    /// <summary>AsyncEventsReceived: events stored durably and answered 202.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>AsyncEventsDropped: events given up without a successful run (sent to a destination or DLQ first when configured).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Function-error retries scheduled (the 1 min / 2 min ones).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>DeadLetterErrors: records that could not be written to the dead-letter target after its retries.</summary>
    public long DeadLetterErrors => Interlocked.Read(ref _deadLetterErrors);

    /// <summary>DestinationDeliveryFailures: records that could not be delivered to an on-success/on-failure destination.</summary>
    public long DestinationDeliveryFailures => Interlocked.Read(ref _destinationFailures);

    /// <summary>Records delivered to a destination or dead-letter target.</summary>
    public long DestinationDeliveries => Interlocked.Read(ref _destinationDeliveries);

    public void RecordReceived() => Interlocked.Increment(ref _received);

    public void RecordDropped() => Interlocked.Increment(ref _dropped);

    public void RecordRetry() => Interlocked.Increment(ref _retries);

    public void RecordDeadLetterError() => Interlocked.Increment(ref _deadLetterErrors);

    public void RecordDestinationFailure() => Interlocked.Increment(ref _destinationFailures);

    public void RecordDestinationDelivery() => Interlocked.Increment(ref _destinationDeliveries);
}
