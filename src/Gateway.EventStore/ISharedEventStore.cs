namespace Gateway.EventStore;

/// <summary>
/// An <see cref="IEventStore"/> that several gateways share (the cluster's Redis Streams queue). Other nodes add work
/// this node cannot see coming — an overflow event another node stored, a retry scheduled by a node that died, events
/// reclaimed from a dead node — so the store says when a claim round may find something.
/// </summary>
public interface ISharedEventStore : IEventStore
{
    /// <summary>Raised (on a background thread) when events may be ready to claim. A hint: a claim may still find none.</summary>
    event Action? WorkAvailable;
}
