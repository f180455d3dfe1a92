using Gateway.Environments;
using Gateway.Functions;
using Gateway.Invocations;
using Gateway.Json;

namespace Gateway;

/// <summary>Builds the GET /_gateway/status document.</summary>
internal static class StatusReport
{
    public static GatewayStatus Build(FunctionRegistry registry, EnvironmentServices services, InvocationPool invocations, EventStore.EventStoreCounters queue) => new()
    {
        Status = "ok",
        InvocationsOutstanding = invocations.Outstanding,
        EventsPending = queue.Pending,
        EventsInFlight = queue.InFlight,
        Functions = registry.All.Select(f => new FunctionStatus
        {
            FunctionName = f.Definition.Name,
            Environments = f.Pool.Count,
            IdleEnvironments = f.Pool.IdleCount,
            ProvisionedEnvironments = f.Definition.ProvisionedEnvironments,
            MaxEnvironments = f.Definition.MaxEnvironments,
            QueuedEvents = f.Events.Depth,
            EventsReceived = f.Events.Metrics.Received,
            WorkerPids = f.Pool.Snapshot().Select(e => e.ProcessId).OfType<int>().ToList(),
            LogDirectory = services.Logs.GroupDirectory(f.Definition.Name),
        }).ToList(),
    };
}
