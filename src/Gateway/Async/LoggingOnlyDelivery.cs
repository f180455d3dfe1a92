namespace Gateway.Async;

// TEMPORARY until Destinations/ is merged.
internal sealed class LoggingOnlyDelivery : IOutcomeDelivery
{
    public Task<bool> DeliverAsync(string destination, AsyncOutcome outcome, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<bool> DeadLetterAsync(string targetArn, AsyncOutcome outcome, CancellationToken cancellationToken) => Task.FromResult(false);
}
