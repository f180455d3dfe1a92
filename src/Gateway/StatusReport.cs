using Gateway.Environments;
using Gateway.Hosting;
using Gateway.Invocations;
using Gateway.Json;

namespace Gateway;

/// <summary>Builds the GET /_gateway/status document.</summary>
internal static class StatusReport
{
    public static GatewayStatus Build(FunctionHost host, EnvironmentServices services, InvocationPool invocations, EventStore.EventStoreCounters queue) => new()
    {
        Status = "ok",
        InvocationsOutstanding = invocations.Outstanding,
        EventsPending = queue.Pending,
        EventsInFlight = queue.InFlight,
        Functions = host.All.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new FunctionStatus
        {
            FunctionName = f.Name,
            Environments = f.Pools.Values.Sum(p => p.Count),
            IdleEnvironments = f.Pools.Values.Sum(p => p.IdleCount),
            ProvisionedEnvironments = f.Pools.Values.Sum(p => p.ProvisionedTarget),
            MaxEnvironments = f.TryGetPool(Functions.FunctionVersions.Latest, out var latest) ? latest.Function.MaxEnvironments : null,
            QueuedEvents = f.Events.Depth,
            EventsReceived = f.Events.Metrics.Received,
            WorkerPids = f.Environments().Select(e => e.ProcessId).OfType<int>().ToList(),
            LogDirectory = services.Logs.GroupDirectory(f.Name),
        }).ToList(),
    };
}
