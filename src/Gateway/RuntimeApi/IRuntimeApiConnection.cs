using Gateway.Invocations;

namespace Gateway.RuntimeApi;

/// <summary>
/// What an execution environment needs from one runtime connection, whichever server serves it: the hand-written one
/// (<see cref="RuntimeApiConnection"/>) or Kestrel (<see cref="Kestrel.KestrelRuntimeConnection"/>, --runtime-api-server kestrel).
/// </summary>
/// <remarks>The environment calls <see cref="MarkParked"/> under its lock when the connection's /next waits, and
/// afterwards exactly one of <see cref="DeliverAsync"/> (the dispatcher hands it an invocation) or
/// <see cref="Abandon"/> releases that /next.</remarks>
internal interface IRuntimeApiConnection
{
    /// <summary>Answers the parked /next with <paramref name="invocation"/> (its event and headers).</summary>
    ValueTask DeliverAsync(Invocation invocation);

    /// <summary>Called by the environment (under its lock) when this connection's /next is parked.</summary>
    void MarkParked();

    /// <summary>Releases a parked /next without an invocation (a newer /next replaced it, or the environment is ending):
    /// the connection closes without an answer.</summary>
    void Abandon();

    /// <summary>Closes the connection (the environment is ending).</summary>
    void Close();
}
