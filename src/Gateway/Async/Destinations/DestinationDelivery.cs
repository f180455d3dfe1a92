namespace Gateway.Async.Destinations;

/// <summary>
/// Sends an Event invocation's final outcome where its configuration says: an invocation record to an on-success or
/// on-failure destination (<see cref="DeliverAsync"/>), or a dead-letter message to the function's
/// <c>DeadLetterConfig.TargetArn</c> (<see cref="DeadLetterAsync"/>). A destination that is down is retried with
/// exponential backoff (<see cref="DestinationRetryOptions"/>); false means it finally failed.
/// </summary>
/// <remarks>
/// The record is written once, into a pooled buffer, before the first attempt: the outcome's payloads are borrowed
/// and may be reused as soon as the call returns, and every retry sends the same bytes (same timestamp).
/// Delivery is at-least-once: the caller keeps the event until this returns, so a crash mid-delivery re-runs it.
/// Cancellation (the gateway stopping) throws <see cref="OperationCanceledException"/> — that is not an outcome,
/// the event stays stored.
/// </remarks>
internal sealed class DestinationDelivery : IOutcomeDelivery, IDisposable
{
    private readonly string _dataDirectory;
    private readonly Func<string, string?, ReadOnlyMemory<byte>, CancellationToken, ValueTask<bool>> _invokeFunction;
    private readonly TimeProvider _time;
    private readonly DestinationRetryOptions _retry;
    private readonly JsonLinesSink _files = new();
    private readonly HttpSink _http;
    private long _delivered;
    private long _deliveryFailures;
    private long _deadLettered;
    private long _deadLetterErrors;

    /// <param name="dataDirectory">The gateway's data folder; service destinations live in <c>destinations/</c> below it.</param>
    /// <param name="invokeFunction">
    /// Queues an asynchronous invocation of a gateway function (name, and the destination's version or alias or null)
    /// with the given payload (valid only during the call: copy it). False when it could not be accepted (throttled,
    /// disk full): the delivery is retried.
    /// </param>
    /// <param name="time">The clock retries wait on.</param>
    /// <param name="retry">Backoff and attempts; <see cref="DestinationRetryOptions.Default"/> when null.</param>
    public DestinationDelivery(
        string dataDirectory,
        Func<string, string?, ReadOnlyMemory<byte>, CancellationToken, ValueTask<bool>> invokeFunction,
        TimeProvider time,
        DestinationRetryOptions? retry = null)
    {
        _dataDirectory = Path.GetFullPath(dataDirectory);
        _invokeFunction = invokeFunction;
        _time = time;
        _retry = retry ?? DestinationRetryOptions.Default;
        _http = new HttpSink(_retry.HttpTimeout);
    }

    /// <summary>Records delivered to destinations.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records that never reached their destination (AWS's DestinationDeliveryFailures).</summary>
    public long DeliveryFailures => Interlocked.Read(ref _deliveryFailures);

    /// <summary>Events delivered to a dead-letter target.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Events that never reached their dead-letter target (AWS's DeadLetterErrors).</summary>
    public long DeadLetterErrors => Interlocked.Read(ref _deadLetterErrors);

    /// <summary>Sends the invocation record of <paramref name="outcome"/> to <paramref name="destination"/>.</summary>
    public Task<bool> DeliverAsync(string destination, AsyncOutcome outcome, CancellationToken cancellationToken)
        => SendOutcomeAsync(destination, outcome, deadLetter: false, cancellationToken);

    /// <summary>Sends the event of <paramref name="outcome"/>, as a dead-letter message, to <paramref name="targetArn"/>.</summary>
    public Task<bool> DeadLetterAsync(string targetArn, AsyncOutcome outcome, CancellationToken cancellationToken)
        => SendOutcomeAsync(targetArn, outcome, deadLetter: true, cancellationToken);

    private Task<bool> SendOutcomeAsync(string destination, AsyncOutcome outcome, bool deadLetter, CancellationToken cancellationToken)
    {
        if (!TryResolve(destination, outcome.FunctionName, out var target, out string error))
        {
            return Task.FromResult(deadLetter ? Refused(destination, error, ref _deadLetterErrors) : Refused(destination, error, ref _deliveryFailures));
        }
        var buffer = new PooledBufferWriter();
        try
        {
            if (deadLetter)
            {
                DeadLetterMessage.Write(buffer, outcome);
            }
            else
            {
                DestinationRecord.Write(buffer, outcome);
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        return SendAsync(target, destination, outcome.FunctionName, outcome.RequestId, buffer, deadLetter, cancellationToken);
    }

    private async Task<bool> SendAsync(
        DestinationTarget target, string destination, string functionName, string requestId,
        PooledBufferWriter buffer, bool deadLetter, CancellationToken cancellationToken)
    {
        using (buffer)
        {
            buffer.GetSpan(1)[0] = (byte)'\n';
            buffer.Advance(1);
            var line = buffer.WrittenMemory;          // for JSON-lines files: the document and its newline, one write
            var document = line[..^1];                // for functions and HTTP: the document alone
            int attempts = Math.Max(1, _retry.MaximumAttempts);
            for (int attempt = 1; ; attempt++)
            {
                if (await TryOnceAsync(target, functionName, document, line, cancellationToken).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref deadLetter ? ref _deadLettered : ref _delivered);
                    return true;
                }
                if (attempt >= attempts)
                {
                    Interlocked.Increment(ref deadLetter ? ref _deadLetterErrors : ref _deliveryFailures);
                    Console.Error.WriteLine(
                        $"[gateway] {(deadLetter ? "Dead-letter message" : "Destination record")} of {functionName} event {requestId} not delivered to {destination} after {attempt} attempts");
                    return false;
                }
                await Task.Delay(_retry.DelayAfter(attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> TryOnceAsync(
        DestinationTarget target, string functionName, ReadOnlyMemory<byte> document, ReadOnlyMemory<byte> line,
        CancellationToken cancellationToken)
    {
        try
        {
            return target.Kind switch
            {
                DestinationKind.Function => await _invokeFunction(target.Name, target.Qualifier, document, cancellationToken).ConfigureAwait(false),
                DestinationKind.ServiceFile => await _files.AppendAsync(
                    Path.Combine(_dataDirectory, "destinations", target.Service, target.Name + ".jsonl"), line, cancellationToken).ConfigureAwait(false),
                DestinationKind.Folder => await _files.AppendAsync(
                    Path.Combine(target.Folder!, functionName + ".jsonl"), line, cancellationToken).ConfigureAwait(false),
                DestinationKind.Http => await _http.PostAsync(target.Url!, document, cancellationToken).ConfigureAwait(false),
                _ => false,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"[gateway] Destination {target.Kind} {target.Name}: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }

    private static bool TryResolve(string destination, string functionName, out DestinationTarget target, out string error)
    {
        if (!DestinationTarget.TryParse(destination, out target, out error))
        {
            return false;
        }
        if (target.Kind == DestinationKind.Folder && !DestinationTarget.IsSafeName(functionName))
        {
            error = $"'{functionName}' cannot be a file name";
            return false;
        }
        return true;
    }

    private static bool Refused(string destination, string error, ref long counter)
    {
        Interlocked.Increment(ref counter);
        Console.Error.WriteLine($"[gateway] Destination '{destination}' refused: {error}");
        return false;
    }

    public void Dispose() => _http.Dispose();
}
