using System.Text.RegularExpressions;
using Gateway.Invoke;
using Gateway.Tracing;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests;

/// <summary>Lambda gives the function a complete X-Ray header (Root, Parent, Sampled 0/1) whatever the caller sent:
/// <see cref="TraceIds.FromCaller"/> keeps what is valid and fills in the rest.</summary>
public partial class TraceHeaderCompletionTests
{
    private const string Root = "Root=1-5759e988-bd862e3fe1be46a994272793";

    [GeneratedRegex("^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=(?<sampled>[01])(?<rest>.*)$")]
    private static partial Regex CompletedShape();

    /// <summary>A sampler whose next answer is known: its reservoir is free (a new clock), so it says yes once.</summary>
    private static TraceSampler ActiveSampler() => new(new ManualTimeProvider(), new NeverSampled());

    private sealed class NeverSampled : Random
    {
        public override double NextDouble() => 0.99;
    }

    private static Match Completed(string? header, TraceSampler? sampler)
    {
        var completed = TraceIds.FromCaller(header, sampler);
        Assert.NotNull(completed);
        var match = CompletedShape().Match(completed);
        Assert.True(match.Success, completed);
        return match;
    }

    [Fact]
    public void A_complete_header_is_passed_on_as_it_is_with_its_other_fields()
    {
        const string header = Root + ";Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:1|68fd508a:5";
        Assert.Same(header, TraceIds.FromCaller(header, ActiveSampler()));
        const string reordered = "Sampled=1;Parent=53995c3f42cd8ad8;" + Root;
        Assert.Same(reordered, TraceIds.FromCaller(reordered, null));
    }

    [Fact]
    public void A_missing_parent_gets_a_new_one_and_the_callers_decision_is_kept()
    {
        var match = Completed(Root + ";Sampled=1", null);
        Assert.Equal("1", match.Groups["sampled"].Value); // PassThrough still respects the caller's Sampled=1
        Assert.Equal("", match.Groups["rest"].Value);
        Assert.Equal("0", Completed(Root + ";Sampled=0", ActiveSampler()).Groups["sampled"].Value);
    }

    [Fact]
    public void A_malformed_parent_is_replaced()
    {
        var completed = TraceIds.FromCaller(Root + ";Parent=zzz;Sampled=1", null)!;
        Assert.Matches(CompletedShape(), completed);
        Assert.DoesNotContain("zzz", completed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Root)]                                        // no Parent, no Sampled
    [InlineData(Root + ";Parent=53995c3f42cd8ad8")]          // no Sampled
    [InlineData(Root + ";Parent=53995c3f42cd8ad8;Sampled=?")] // "decide for me"
    public void Without_a_decision_the_mode_decides(string header)
    {
        Assert.Equal("0", Completed(header, null).Groups["sampled"].Value);             // PassThrough
        Assert.Equal("1", Completed(header, ActiveSampler()).Groups["sampled"].Value);  // Active, reservoir free
        var spent = ActiveSampler();
        spent.Sample();
        Assert.Equal("0", Completed(header, spent).Groups["sampled"].Value);            // Active, reservoir spent
    }

    [Fact]
    public void The_callers_parent_and_other_fields_are_kept_when_the_header_is_completed()
    {
        var completed = TraceIds.FromCaller(" Self=1-67891233-abcdef012345678912345678 ; " + Root + ";Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a87bd80c:1", null);
        Assert.Equal(Root + ";Parent=53995c3f42cd8ad8;Sampled=0;Self=1-67891233-abcdef012345678912345678;Lineage=a87bd80c:1", completed);
    }

    [Theory]
    [InlineData("Root=xyz;Parent=zzz;Sampled=1")]
    [InlineData("Root=1-abc-def;Sampled=1")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8;Sampled=1")]  // 23 hex
    [InlineData("Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")] // not version 1
    [InlineData("Root=1-5759e98g-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")] // not hex
    [InlineData("Root=1-00000000-000000000000000000000000;Sampled=1")]
    [InlineData("Parent=53995c3f42cd8ad8;Sampled=1")]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData(null)]
    public void A_header_without_a_valid_root_names_no_trace(string? header)
        => Assert.Null(TraceIds.FromCaller(header, ActiveSampler()));

    [Fact]
    public void Headers_up_to_lambdas_8192_characters_are_taken()
    {
        string lineage = ";Lineage=" + new string('a', TraceIds.MaxIncomingLength);
        string atLimit = (Root + ";Parent=53995c3f42cd8ad8;Sampled=1" + lineage)[..TraceIds.MaxIncomingLength];
        Assert.Same(atLimit, TraceIds.FromCaller(atLimit, null));
        Assert.Null(TraceIds.FromCaller(atLimit + "a", null));
    }

    [Fact]
    public void The_parser_the_span_uses_reads_the_same_fields()
    {
        Assert.True(TraceHeaders.TryReadXRay(Root + ";Parent=53995C3F42CD8AD8;Sampled=?", out var fields));
        Assert.True(fields.HasParent);
        Assert.Equal(XRaySampled.Undecided, fields.Sampled);
        Assert.False(fields.IsComplete);
        Assert.True(TraceHeaders.TryParseXRay(Root + ";Parent=53995C3F42CD8AD8;Sampled=0", out var traceId, out var context));
        Assert.Equal("5759e988bd862e3fe1be46a994272793", traceId.ToHexString());
        Assert.Equal("53995c3f42cd8ad8", context.SpanId.ToHexString());
        Assert.Equal(System.Diagnostics.ActivityTraceFlags.None, context.TraceFlags);
    }
}
