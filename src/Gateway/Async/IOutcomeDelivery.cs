namespace Gateway.Async;

/// <summary>Sends an Event invocation's final outcome to a destination or a dead-letter target (see Destinations/).</summary>
internal interface IOutcomeDelivery
{
    /// <summary>Delivers AWS's destination record, retrying a target that is down; false when it finally failed.</summary>
    Task<bool> DeliverAsync(string destination, AsyncOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Delivers the dead-letter message (the event's payload with RequestID/ErrorCode/ErrorMessage); false when it finally failed.</summary>
    Task<bool> DeadLetterAsync(string targetArn, AsyncOutcome outcome, CancellationToken cancellationToken);
}
