using System.Diagnostics;
using Gateway.Tracing;

namespace Gateway.UnitTests;

public sealed class TraceHeadersTests
{
    [Fact]
    public void A_traceparent_becomes_a_remote_context()
    {
        Assert.True(TraceHeaders.TryParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", out var context));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", context.TraceId.ToHexString());
        Assert.Equal("00f067aa0ba902b7", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.True(context.IsRemote);

        Assert.True(TraceHeaders.TryParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", out var unsampled));
        Assert.Equal(ActivityTraceFlags.None, unsampled.TraceFlags);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7")] // no flags
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // all-zero trace id
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")] // all-zero parent
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")] // upper case
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")] // forbidden version
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")] // version 00 has no more fields
    public void A_malformed_traceparent_is_ignored(string header)
        => Assert.False(TraceHeaders.TryParseTraceparent(header, out _));

    [Fact]
    public void A_later_traceparent_version_may_carry_more_fields()
        => Assert.True(TraceHeaders.TryParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more", out _));

    [Fact]
    public void An_X_Ray_header_converts_as_the_X_Ray_propagator_does()
    {
        Assert.True(TraceHeaders.TryParseXRay("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", out var traceId, out var context));
        Assert.Equal("5759e988bd862e3fe1be46a994272793", traceId.ToHexString());
        Assert.Equal(traceId, context.TraceId);
        Assert.Equal("53995c3f42cd8ad8", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);

        Assert.True(TraceHeaders.TryParseXRay("Sampled=0; Parent=53995C3F42CD8AD8 ;Root=1-5759E988-BD862E3FE1BE46A994272793;Lineage=a:1", out _, out var reordered));
        Assert.Equal("5759e988bd862e3fe1be46a994272793", reordered.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.None, reordered.TraceFlags);
    }

    [Fact]
    public void An_X_Ray_header_without_a_parent_gives_only_its_trace()
    {
        Assert.True(TraceHeaders.TryParseXRay("Root=1-5759e988-bd862e3fe1be46a994272793", out var traceId, out var context));
        Assert.Equal("5759e988bd862e3fe1be46a994272793", traceId.ToHexString());
        Assert.Equal(default, context);
    }

    [Theory]
    [InlineData("Parent=53995c3f42cd8ad8")]
    [InlineData("Root=2-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279x")]
    public void A_malformed_X_Ray_root_is_ignored(string header)
        => Assert.False(TraceHeaders.TryParseXRay(header, out _, out _));

    [Fact]
    public void A_span_is_written_as_the_X_Ray_header_a_runtime_sees()
    {
        var header = TraceHeaders.ToXRay(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"), sampled: true);
        Assert.Equal("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1", header);
        Assert.Equal(TraceHeaders.XRayLength, header.Length);
        Assert.Equal("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=0",
            TraceHeaders.XRayFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
        Assert.Null(TraceHeaders.XRayFromTraceparent("nonsense"));
    }

    [Fact]
    public void The_traces_endpoint_follows_the_OTLP_rules()
    {
        Func<string, string?> none = _ => null;
        Assert.Null(OtlpTracing.TracesEndpoint(null, none));
        Assert.Equal("http://127.0.0.1:4318/v1/traces", OtlpTracing.TracesEndpoint("http://127.0.0.1:4318", none));
        Assert.Equal("http://127.0.0.1:4318/v1/traces", OtlpTracing.TracesEndpoint("http://127.0.0.1:4318/", none));
        Assert.Equal("http://c:4318/v1/traces", OtlpTracing.TracesEndpoint("http://c:4318/v1/traces", none));
        Assert.Equal("http://env:4318/v1/traces", OtlpTracing.TracesEndpoint(null, n => n == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://env:4318" : null));
        Assert.Equal("http://env:4318/custom", OtlpTracing.TracesEndpoint(null, n => n switch
        {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" => "http://env:4318/custom",
            "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://other:4318",
            _ => null,
        }));
        Assert.Equal("http://option:4318/v1/traces", OtlpTracing.TracesEndpoint("http://option:4318", _ => "http://env:4318"));
        Assert.False(OtlpTracing.IsValidEndpoint("127.0.0.1:4318/v1/traces"));
        Assert.True(OtlpTracing.IsValidEndpoint("https://collector:4318/v1/traces"));
    }
}
