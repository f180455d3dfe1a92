namespace Gateway.Json;

/// <summary>GET /_gateway/status: what is registered and how warm it is (for scripts, tests and people).</summary>
internal sealed class GatewayStatus
{
    public required string Status { get; init; }

    /// <summary>Invocation objects rented from the pool and not yet returned: zero whenever the gateway is idle.</summary>
    public required long InvocationsOutstanding { get; init; }

    /// <summary>Event invocations in the durable queue: waiting (pending, incl. retries) and running (in flight).</summary>
    public required long EventsPending { get; init; }

    public required long EventsInFlight { get; init; }

    public required List<FunctionStatus> Functions { get; init; }
}

internal sealed class FunctionStatus
{
    public required string FunctionName { get; init; }

    public required int Environments { get; init; }

    public required int IdleEnvironments { get; init; }

    public required int ProvisionedEnvironments { get; init; }

    public int? MaxEnvironments { get; init; }

    /// <summary>Event invocations held in memory, waiting for an environment.</summary>
    public required int QueuedEvents { get; init; }

    /// <summary>AsyncEventsReceived: events made durable and answered 202 since the gateway started.</summary>
    public required long EventsReceived { get; init; }

    public required List<int> WorkerPids { get; init; }

    public required string LogDirectory { get; init; }
}
