using System.Globalization;
using System.Text;
using Gateway.Admission;
using Gateway.Environments;
using Gateway.Hosting;
using Gateway.Invocations;

namespace Gateway.Metrics;

/// <summary>
/// <c>GET /metrics</c>: Lambda's CloudWatch metrics (Invocations, Errors, Throttles by Reason, Duration,
/// ConcurrentExecutions, UnreservedConcurrentExecutions, ProvisionedConcurrentExecutions) plus the gateway's own
/// (burst tokens, environments by state, queued events), in the Prometheus text format. Built per scrape: a cold path.
/// </summary>
internal static class PrometheusExporter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly ThrottleReason[] Reasons =
    [
        ThrottleReason.ConcurrentInvocationLimitExceeded,
        ThrottleReason.ReservedFunctionConcurrentInvocationLimitExceeded,
        ThrottleReason.FunctionInvocationRateLimitExceeded,
        ThrottleReason.ReservedFunctionInvocationRateLimitExceeded,
        ThrottleReason.GatewayEnvironmentLimitExceeded,
    ];

    private static readonly double[] ReadyQuantiles = [0.5, 0.9, 0.99];

    public static string Render(FunctionHost host, AdmissionController admission, InvocationPool invocations, EventStore.EventStoreCounters queue, Invoke.RequestBodyBudget bodyBudget)
    {
        var text = new StringBuilder(4096);
        var functions = host.All.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();

        Family(text, "lambda_invocations_total", "counter", "Invocations that ran, successful or not (CloudWatch: Invocations).");
        foreach (var f in functions)
        {
            Sample(text, "lambda_invocations_total", Label(f), f.Metrics.Invocations);
        }
        Family(text, "lambda_errors_total", "counter", "Invocations that ended in a function error (CloudWatch: Errors).");
        foreach (var f in functions)
        {
            Sample(text, "lambda_errors_total", Label(f), f.Metrics.Errors);
        }
        Family(text, "lambda_throttles_total", "counter", "Invoke requests answered 429, by Lambda's Reason (CloudWatch: Throttles).");
        foreach (var f in functions)
        {
            foreach (var reason in Reasons)
            {
                Sample(text, "lambda_throttles_total", Label(f) + $",reason=\"{reason.ToWireName()}\"", f.Metrics.Throttles(reason));
            }
        }
        Counter(text, functions, "gateway_admitted_total", "Invocations that passed admission (sync invokes and queued Events), the count the throttle model predicts.", f => f.Admission.Admitted);
        Family(text, "lambda_duration_milliseconds", "histogram", "Duration of invocations as in their REPORT lines (CloudWatch: Duration).");
        foreach (var f in functions)
        {
            var m = f.Metrics;
            long cumulative = 0;
            for (int i = 0; i <= FunctionMetrics.DurationBucketsMs.Length; i++)
            {
                cumulative += m.DurationBucket(i);
                var le = i < FunctionMetrics.DurationBucketsMs.Length ? FunctionMetrics.DurationBucketsMs[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                Sample(text, "lambda_duration_milliseconds_bucket", Label(f) + $",le=\"{le}\"", cumulative);
            }
            Sample(text, "lambda_duration_milliseconds_sum", Label(f), m.DurationSumMs);
            Sample(text, "lambda_duration_milliseconds_count", Label(f), cumulative);
        }
        Family(text, "lambda_concurrent_executions", "gauge", "Invocations in flight (CloudWatch: ConcurrentExecutions); without a function label, the account's.");
        Sample(text, "lambda_concurrent_executions", null, admission.ConcurrentExecutions);
        foreach (var f in functions)
        {
            Sample(text, "lambda_concurrent_executions", Label(f), f.Admission.ConcurrentExecutions);
        }
        Family(text, "lambda_unreserved_concurrent_executions", "gauge", "Invocations in flight of functions without reserved concurrency, on demand or provisioned (CloudWatch: UnreservedConcurrentExecutions).");
        Sample(text, "lambda_unreserved_concurrent_executions", null, admission.UnreservedConcurrentExecutions);
        Family(text, "lambda_unreserved_concurrency_limit", "gauge", "The unreserved pool on-demand environments share: account limit minus all reserved concurrency and the provisioned concurrency of functions without a reservation (GetAccountSettings UnreservedConcurrentExecutions).");
        Sample(text, "lambda_unreserved_concurrency_limit", null, admission.UnreservedConcurrencyLimit);
        Family(text, "lambda_provisioned_concurrent_executions", "gauge", "Pre-forked (provisioned) environments running an invocation (CloudWatch: ProvisionedConcurrentExecutions).");
        var environments = functions.ToDictionary(f => f, f => f.Environments().ToArray());
        foreach (var f in functions)
        {
            Sample(text, "lambda_provisioned_concurrent_executions", Label(f), environments[f].Count(e => e.Provisioned && e.State == EnvironmentState.Busy));
        }
        Family(text, "lambda_burst_tokens_available", "gauge", "Tokens in the burst bucket: new environments that may start now.");
        foreach (var f in functions)
        {
            Sample(text, "lambda_burst_tokens_available", Label(f), admission.BurstTokensAvailable(f.Admission));
        }
        Family(text, "lambda_environments", "gauge", "Execution environments by state.");
        foreach (var f in functions)
        {
            foreach (var state in Enum.GetValues<EnvironmentState>())
            {
                Sample(text, "lambda_environments", Label(f) + $",state=\"{state.ToString().ToLowerInvariant()}\"", environments[f].Count(e => e.State == state));
            }
        }
        Family(text, "lambda_async_events_queued", "gauge", "Event invocations held in memory, waiting for an environment.");
        foreach (var f in functions)
        {
            Sample(text, "lambda_async_events_queued", Label(f), f.Events.Depth);
        }
        Counter(text, functions, "lambda_async_events_received_total", "Event invocations stored durably and answered 202 (CloudWatch: AsyncEventsReceived).", f => f.Events.Metrics.Received);
        Counter(text, functions, "lambda_async_events_dropped_total", "Event invocations given up without a successful run, after any destination or DLQ delivery (CloudWatch: AsyncEventsDropped).", f => f.Events.Metrics.Dropped);
        Counter(text, functions, "lambda_async_retries_total", "Function-error retries scheduled (1 min, then 2 min, up to MaximumRetryAttempts).", f => f.Events.Metrics.Retries);
        Counter(text, functions, "lambda_dead_letter_errors_total", "Dead-letter messages that could not be written after retries (CloudWatch: DeadLetterErrors).", f => f.Events.Metrics.DeadLetterErrors);
        Counter(text, functions, "lambda_destination_delivery_failures_total", "Destination records that could not be delivered after retries (CloudWatch: DestinationDeliveryFailures).", f => f.Events.Metrics.DestinationDeliveryFailures);
        Counter(text, functions, "lambda_destination_deliveries_total", "Destination records and dead-letter messages delivered.", f => f.Events.Metrics.DestinationDeliveries);
        Family(text, "lambda_async_queue_depth", "gauge", "Event invocations in the durable queue, by state (pending includes retries waiting for their time).");
        Sample(text, "lambda_async_queue_depth", "state=\"pending\"", queue.Pending);
        Sample(text, "lambda_async_queue_depth", "state=\"in_flight\"", queue.InFlight);
        Family(text, "lambda_async_event_age_milliseconds", "gauge", "Age of the oldest event in the durable queue (CloudWatch: AsyncEventAge, here as the current maximum).");
        Sample(text, "lambda_async_event_age_milliseconds", null, queue.OldestAgeMs);
        Family(text, "gateway_event_store_commits_total", "counter", "Event-store transactions (each one fsync); fewer than operations when commits were grouped.");
        Sample(text, "gateway_event_store_commits_total", null, queue.Commits);
        Family(text, "gateway_environment_ready_milliseconds", "summary", "Spawn to the runtime's first /next (Init Duration) of the last 1,024 environments (quantiles nearest rank).");
        foreach (var f in functions)
        {
            var (count, sumMs, quantiles) = f.Metrics.EnvironmentReady(ReadyQuantiles);
            for (int i = 0; i < ReadyQuantiles.Length; i++)
            {
                Sample(text, "gateway_environment_ready_milliseconds", Label(f) + $",quantile=\"{ReadyQuantiles[i].ToString(CultureInfo.InvariantCulture)}\"", quantiles[i]);
            }
            Sample(text, "gateway_environment_ready_milliseconds_sum", Label(f), sumMs);
            Sample(text, "gateway_environment_ready_milliseconds_count", Label(f), count);
        }
        Family(text, "gateway_environments_live", "gauge", "Execution environments alive across every function, against the machine's cap.");
        Sample(text, "gateway_environments_live", null, host.MachineLimit.Live);
        Family(text, "gateway_environments_limit", "gauge", "Gateway:MaxEnvironments: the machine-wide cap on live environments (a safety limit of this machine, not a Lambda limit).");
        Sample(text, "gateway_environments_limit", null, host.MachineLimit.Limit);
        GcMetrics.Render(text);
        Family(text, "gateway_threadpool_completed_work_items_total", "counter", "Work items the .NET thread pool has run (divide by invocations for thread-pool hops per invocation).");
        Sample(text, "gateway_threadpool_completed_work_items_total", null, ThreadPool.CompletedWorkItemCount);
        Family(text, "gateway_invocations_outstanding", "gauge", "Invocation objects rented from the pool and not yet returned (0 when idle).");
        Sample(text, "gateway_invocations_outstanding", null, invocations.Outstanding);
        Family(text, "gateway_request_body_bytes", "gauge", "Invoke-request body bytes held now (being read, or of sync invocations in flight), against Gateway:RequestBodyBufferBytes.");
        Sample(text, "gateway_request_body_bytes", null, bodyBudget.InUse);
        Family(text, "gateway_request_body_budget_bytes", "gauge", "Gateway:RequestBodyBufferBytes: the most invoke-request body bytes held at once.");
        Sample(text, "gateway_request_body_budget_bytes", null, bodyBudget.Capacity);
        Family(text, "gateway_request_body_waits_total", "counter", "Invoke requests whose body had to wait, unread, for the request-body budget (back-pressure).");
        Sample(text, "gateway_request_body_waits_total", null, bodyBudget.Waits);
        Family(text, "gateway_payload_segments_retained_bytes", "gauge", "64 KB payload segments kept for reuse (at most Gateway:RequestBodyBufferBytes).");
        Sample(text, "gateway_payload_segments_retained_bytes", null, Invocations.PayloadSegmentPool.Shared.RetainedBytes);
        return text.ToString();
    }

    private static void Counter(StringBuilder text, FunctionRuntime[] functions, string name, string help, Func<FunctionRuntime, long> value)
    {
        Family(text, name, "counter", help);
        foreach (var f in functions)
        {
            Sample(text, name, Label(f), value(f));
        }
    }

    private static string Label(FunctionRuntime function) => $"function=\"{function.Name}\"";

    internal static void Family(StringBuilder text, string name, string type, string help)
        => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    internal static void Sample(StringBuilder text, string name, string? labels, double value)
    {
        text.Append(name);
        if (labels is not null)
        {
            text.Append('{').Append(labels).Append('}');
        }
        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
