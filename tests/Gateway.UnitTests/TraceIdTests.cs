using System.Text;
using System.Text.RegularExpressions;
using Gateway.Invocations;
using Gateway.Invoke;

namespace Gateway.UnitTests;

public partial class TraceIdTests
{
    [GeneratedRegex("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$")]
    private static partial Regex GeneratedShape();

    [Fact]
    public void A_generated_trace_id_has_the_xray_shape_and_the_same_bytes_as_its_string()
    {
        var invocation = new Invocation();
        invocation.NewTraceId(0x6543_21ab);

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
        Assert.Equal(header, TraceIds.Incoming(header));
        invocation.TraceId = header;

        var bytes = new byte[256];
        int n = invocation.WriteTraceId(bytes);
        Assert.Equal(header, Encoding.ASCII.GetString(bytes, 0, n));
    }

    [Fact]
    public void A_header_without_a_root_or_too_long_is_replaced()
    {
        Assert.Null(TraceIds.Incoming(null));
        Assert.Null(TraceIds.Incoming("Parent=53995c3f42cd8ad8"));
        Assert.Null(TraceIds.Incoming("Root=" + new string('a', 300)));
        Assert.Matches(GeneratedShape(), TraceIds.FromRequestOrNew("nonsense", TimeProvider.System));
    }

    [Fact]
    public void Two_generated_ids_differ_and_reset_clears_them()
    {
        var invocation = new Invocation();
        invocation.NewTraceId(1);
        var first = invocation.TraceId;
        invocation.NewTraceId(1);
        Assert.NotEqual(first, invocation.TraceId);
        invocation.Reset();
        Assert.Equal("", invocation.TraceId);
    }
}
