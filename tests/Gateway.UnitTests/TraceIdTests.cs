using System.Text;
using System.Text.RegularExpressions;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.UnitTests;

public partial class TraceIdTests
{
    [GeneratedRegex("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$")]
    private static partial Regex GeneratedShape();

    [GeneratedRegex("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$")]
    private static partial Regex SampledShape();

    [Fact]
    public void A_generated_trace_id_has_the_xray_shape_and_the_same_bytes_as_its_string()
    {
        var invocation = new Invocation();
        invocation.NewTraceId(0x6543_21ab, sampled: false);

        var bytes = new byte[256];
        int n = invocation.WriteTraceId(bytes);
        var text = invocation.TraceId;

        Assert.Matches(GeneratedShape(), text);
        Assert.StartsWith("Root=1-654321ab-", text, StringComparison.Ordinal);
        Assert.Equal(TraceIds.GeneratedLength, n);
        Assert.Equal(text, Encoding.ASCII.GetString(bytes, 0, n));
    }

    [Fact]
    public void A_callers_trace_header_is_passed_on_unchanged()
    {
        var invocation = new Invocation();
        const string header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        Assert.Same(header, TraceIds.FromCaller(header, sampler: null));
        invocation.TraceId = header;

        var bytes = new byte[256];
        int n = invocation.WriteTraceId(bytes);
        Assert.Equal(header, Encoding.ASCII.GetString(bytes, 0, n));
    }

    [Fact]
    public void A_sampled_new_trace_says_Sampled_1_in_its_string_and_its_bytes()
    {
        var invocation = new Invocation();
        invocation.NewTraceId(0x6543_21ab, sampled: true);

        var bytes = new byte[256];
        int n = invocation.WriteTraceId(bytes);
        Assert.Matches(SampledShape(), invocation.TraceId);
        Assert.Equal(invocation.TraceId, Encoding.ASCII.GetString(bytes, 0, n));
    }

    [Fact]
    public void Two_generated_ids_differ_and_reset_clears_them()
    {
        var invocation = new Invocation();
        invocation.NewTraceId(1, sampled: false);
        var first = invocation.TraceId;
        invocation.NewTraceId(1, sampled: false);
        invocation.TraceUndecided = true;
        Assert.NotEqual(first, invocation.TraceId);
        invocation.Reset();
        Assert.Equal("", invocation.TraceId);
        Assert.False(invocation.TraceUndecided);
    }
}
