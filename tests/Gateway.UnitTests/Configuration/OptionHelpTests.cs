using Gateway.Configuration;

namespace Gateway.UnitTests.Configuration;

public class OptionHelpTests
{
    private static readonly string Help = OptionHelp.Render();

    [Fact]
    public void Lists_every_row_with_its_spelling_key_default_and_help()
    {
        Assert.All(GatewayOptionTable.All, row =>
        {
            Assert.Contains($"  {OptionHelp.Spelling(row)}   [{row.Key}, default: {row.Default}]\n      {row.Help}\n", Help, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Spells_values_and_boolean_switches_as_they_are_typed()
    {
        Assert.Contains("  --data DIR   [Gateway:DataDirectory, default: data]", Help, StringComparison.Ordinal);
        Assert.Contains("  --max-environments N   [Gateway:MaxEnvironments, default: physical memory ÷ 64 MB (at least 16)]", Help, StringComparison.Ordinal);
        Assert.Contains("  --echo-function-logs [BOOL], --quiet   [Gateway:EchoFunctionLogs, default: true]", Help, StringComparison.Ordinal);
        Assert.Contains("  --content-root DIR   [contentRoot, default: the working directory]", Help, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_come_in_order_each_before_its_rows()
    {
        string[] headings = ["\nServer\n", "\nFunctions\n", "\nAdmission and throttling\n", "\nAsync (Event) invocations\n", "\nLimits\n", "\nDiagnostics\n"];
        var positions = headings.Select(h => Help.IndexOf(h, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.True(Help.IndexOf("--account-concurrency-limit", StringComparison.Ordinal) > positions[2]);
        Assert.True(Help.IndexOf("--max-environments", StringComparison.Ordinal) > positions[4]);
    }
}
