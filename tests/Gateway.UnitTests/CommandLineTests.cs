namespace Gateway.UnitTests;

public class CommandLineTests
{
    [Fact]
    public void Maps_the_gateway_switches()
    {
        Assert.Equal(
            ["--Gateway:DataDirectory=/var/gw", "--Gateway:Functions=samples/functions.json", "--Gateway:EchoFunctionLogs=false"],
            CommandLine.Normalize(["--data", "/var/gw", "--functions", "samples/functions.json", "--quiet"]));
    }

    [Fact]
    public void Passes_everything_else_through_in_order()
    {
        Assert.Equal(
            ["--urls", "http://127.0.0.1:9000", "--Gateway:DataDirectory=d", "--Gateway:Region=eu-west-1", "--Gateway:EchoFunctionLogs=false", "extra"],
            CommandLine.Normalize(["--urls", "http://127.0.0.1:9000", "--data", "d", "--Gateway:Region=eu-west-1", "--quiet", "extra"]));
    }

    [Fact]
    public void Empty_stays_empty()
    {
        Assert.Empty(CommandLine.Normalize([]));
    }

    [Theory]
    [InlineData("--data")]
    [InlineData("--functions")]
    public void Switch_without_a_value_is_passed_through(string name)
    {
        Assert.Equal(["--quiet-not", name], CommandLine.Normalize(["--quiet-not", name]));
    }

    [Fact]
    public void Value_that_looks_like_a_switch_is_still_the_value()
    {
        Assert.Equal(["--Gateway:DataDirectory=--quiet"], CommandLine.Normalize(["--data", "--quiet"]));
    }

    [Fact]
    public void Value_with_spaces_and_equals_is_kept_whole()
    {
        Assert.Equal(["--Gateway:Functions=/tmp/my dir/a=b.json"], CommandLine.Normalize(["--functions", "/tmp/my dir/a=b.json"]));
    }

    [Fact]
    public void Equals_forms_are_mapped_and_other_spellings_are_not_rewritten()
    {
        Assert.Equal(["--Gateway:DataDirectory=/x", "--Gateway:Functions=f.json"], CommandLine.Normalize(["--data=/x", "--functions=f.json"]));
        // Other spellings reach ASP.NET Core configuration unchanged.
        Assert.Equal(["--QUIET", "-q"], CommandLine.Normalize(["--QUIET", "-q"]));
    }

    [Fact]
    public void Does_not_modify_its_input()
    {
        string[] args = ["--quiet", "--data", "d"];
        CommandLine.Normalize(args);
        Assert.Equal(["--quiet", "--data", "d"], args);
    }
}
