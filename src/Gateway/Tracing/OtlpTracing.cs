using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Tracing;

/// <summary>
/// Turns tracing on when an OTLP endpoint is configured — <c>--otlp-endpoint</c> (Gateway:OtlpEndpoint), else the
/// standard <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> — and exports the
/// invocation spans over OTLP http/protobuf (the OpenTelemetry SDK's batch processor and exporter). Without an
/// endpoint nothing is built: <see cref="InvocationTracing.Source"/> has no listener and the invoke path skips tracing.
/// </summary>
internal static class OtlpTracing
{
    private const string TracesPath = "/v1/traces";

    /// <summary>
    /// The traces URL, or null for tracing off. A base endpoint (the option, or OTEL_EXPORTER_OTLP_ENDPOINT) gets
    /// <c>/v1/traces</c> appended, as the OTLP specification says for http; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used
    /// as it is. A URL that already ends in /v1/traces is taken as it is.
    /// </summary>
    public static string? TracesEndpoint(string? option, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return WithTracesPath(option.Trim());
        }
        if (environment("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is { Length: > 0 } traces)
        {
            return traces.Trim();
        }
        return environment("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } endpoint ? WithTracesPath(endpoint.Trim()) : null;
    }

    private static string WithTracesPath(string endpoint)
        => endpoint.TrimEnd('/').EndsWith(TracesPath, StringComparison.Ordinal) ? endpoint : endpoint.TrimEnd('/') + TracesPath;

    /// <summary>True for an absolute http(s) URL (checked at start, so a typo fails loudly instead of exporting nowhere).</summary>
    public static bool IsValidEndpoint(string endpoint)
        => Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Starts exporting to <paramref name="tracesEndpoint"/>; dispose the provider at shutdown to flush.</summary>
    public static TracerProvider Start(string tracesEndpoint, string region, string accountId)
    {
        InvocationTracing.Region = region;
        InvocationTracing.AccountId = accountId;
        // New traces get X-Ray-shaped ids (epoch seconds first), and an X-Ray Root without a Parent keeps its id.
        Activity.TraceIdGenerator = InvocationTracing.NewTraceId;
        var resource = ResourceBuilder.CreateDefault();
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
        {
            resource.AddService("gateway");
        }
        resource.AddAttributes(
        [
            new("cloud.provider", "aws"),
            new("cloud.platform", "aws_lambda"),
            new("cloud.region", region),
            new("cloud.account.id", accountId),
        ]);
        return Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(InvocationTracing.SourceName)
            .AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(tracesEndpoint);
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            })
            .Build();
    }
}
