using Gateway.Configuration;

namespace Gateway.UnitTests.Configuration;

public class CommandLineParserTests
{
    private static string[] Accepted(params string[] args)
    {
        var result = CommandLineParser.Parse(args);
        Assert.Null(result.Error);
        Assert.False(result.Help);
        return result.Arguments;
    }

    private static string Refused(params string[] args)
    {
        var result = CommandLineParser.Parse(args);
        Assert.False(result.Help);
        Assert.NotNull(result.Error);
        Assert.Empty(result.Arguments);
        return result.Error;
    }

    [Theory]
    [InlineData("--data", "/var/gw")]
    [InlineData("--data=/var/gw")]
    [InlineData("--Gateway:DataDirectory=/var/gw")]
    [InlineData("--Gateway:DataDirectory", "/var/gw")]
    [InlineData("--gateway:datadirectory=/var/gw")]
    [InlineData("--GATEWAY:DATADIRECTORY", "/var/gw")]
    [InlineData("--DATA", "/var/gw")]
    public void Every_spelling_of_an_option_becomes_its_configuration_key(params string[] args)
    {
        Assert.Equal(["--Gateway:DataDirectory=/var/gw"], Accepted(args));
    }

    [Theory]
    [InlineData("--max-environments", "40")]
    [InlineData("--max-environments=40")]
    [InlineData("--Gateway:MaxEnvironments=40")]
    [InlineData("--gateway:maxenvironments", "40")]
    public void The_machine_wide_environment_cap_is_an_option(params string[] args)
    {
        Assert.Equal(["--Gateway:MaxEnvironments=40"], Accepted(args));
    }

    [Theory]
    [InlineData("--quiet", "--Gateway:EchoFunctionLogs=false")]
    [InlineData("--quiet=true", "--Gateway:EchoFunctionLogs=false")]
    [InlineData("--quiet=false", "--Gateway:EchoFunctionLogs=true")]
    [InlineData("--echo-function-logs", "--Gateway:EchoFunctionLogs=true")]
    [InlineData("--echo-function-logs=FALSE", "--Gateway:EchoFunctionLogs=false")]
    [InlineData("--inline-scheduling", "--Gateway:InlineScheduling=true")]
    [InlineData("--Gateway:InlineScheduling", "--Gateway:InlineScheduling=true")]
    [InlineData("--Gateway:RuntimeApiOverTcp=false", "--Gateway:RuntimeApiOverTcp=false")]
    public void Booleans_need_no_value_and_quiet_turns_the_echo_off(string arg, string expected)
    {
        Assert.Equal([expected], Accepted(arg));
    }

    [Fact]
    public void A_boolean_takes_a_following_true_or_false_but_nothing_else()
    {
        Assert.Equal(["--Gateway:InlineScheduling=false", "--Gateway:EchoFunctionLogs=true"], Accepted("--inline-scheduling", "false", "--quiet", "False"));
        Assert.Equal(["--Gateway:InlineScheduling=true", "--Gateway:DataDirectory=d"], Accepted("--inline-scheduling", "--data", "d"));
        Assert.Equal("unknown option 'd' (see --help)", Refused("--inline-scheduling", "d"));
    }

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:9100", "--urls=http://127.0.0.1:9100")]
    [InlineData("--environment", "Development", "--environment=Development")]
    [InlineData("--contentRoot", "/", "--contentRoot=/")]
    [InlineData("--content-root", "/", "--contentRoot=/")]
    [InlineData("--Logging:LogLevel:Default", "Debug", "--Logging:LogLevel:Default=Debug")]
    [InlineData("--kestrel:Limits:MaxRequestBodySize", "100", "--kestrel:Limits:MaxRequestBodySize=100")]
    public void Host_switches_and_the_Logging_and_Kestrel_sections_pass_through(string name, string value, string expected)
    {
        Assert.Equal([expected], Accepted(name, value));
        Assert.Equal([expected], Accepted($"{name}={value}"));
    }

    [Fact]
    public void The_content_root_is_a_directory_that_exists_relative_to_the_working_directory()
    {
        // ASP.NET Core would resolve "cfg" against the binary's folder, and throw when it is missing.
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.GetTempPath());
        var accepted = Assert.Single(Accepted("--content-root", relative));
        Assert.Equal($"--contentRoot={Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.GetTempPath()))}", accepted.TrimEnd('/'));
        Assert.Equal("option '--contentRoot': no such directory 'no-such-dir-1b2c'", Refused("--contentRoot=no-such-dir-1b2c"));
    }

    [Fact]
    public void Options_keep_their_order_so_the_last_one_wins_as_in_ASP_NET_Core()
    {
        Assert.Equal(
            ["--urls=http://127.0.0.1:9000", "--Gateway:DataDirectory=d", "--Gateway:Region=eu-west-1", "--Gateway:EchoFunctionLogs=false", "--Gateway:Region=us-west-2"],
            Accepted("--urls", "http://127.0.0.1:9000", "--data", "d", "--Gateway:Region=eu-west-1", "--quiet", "--region", "us-west-2"));
    }

    [Fact]
    public void Values_with_spaces_and_equals_signs_are_kept_whole()
    {
        Assert.Equal(["--Gateway:Functions=/tmp/my dir/a=b.json"], Accepted("--functions", "/tmp/my dir/a=b.json"));
        Assert.Equal(["--Gateway:Functions=/tmp/a=b.json"], Accepted("--functions=/tmp/a=b.json"));
        Assert.Equal(["--Gateway:DataDirectory=--quiet"], Accepted("--data=--quiet"));
        Assert.Equal(["--Gateway:BurstRefillPerSecond=-1"], Accepted("--burst-refill-per-second", "-1")); // one dash is a value
    }

    [Fact]
    public void Empty_stays_empty()
    {
        Assert.Empty(Accepted());
    }

    [Theory]
    [InlineData("--federation", "--federation")]
    [InlineData("--federation=x", "--federation")]
    [InlineData("extra", "extra")]
    [InlineData("-q", "-q")]
    [InlineData("/urls", "/urls")]
    [InlineData("--", "--")]
    [InlineData("--Logging", "--Logging")]
    [InlineData("--Logging:", "--Logging:")]
    [InlineData("--Gateway:Nonsense=1", "--Gateway:Nonsense")]
    [InlineData("--Gateway:Region:Name=x", "--Gateway:Region:Name")]
    [InlineData("--applicationName=x", "--applicationName")]
    public void Anything_else_is_refused_by_name(string arg, string named)
    {
        Assert.Equal($"unknown option '{named}' (see --help)", Refused(arg, "x"));
    }

    [Fact]
    public void The_first_unknown_option_is_refused_even_after_good_ones()
    {
        Assert.Equal("unknown option '--federation' (see --help)", Refused("--data", "d", "--federation", "x", "--quiet"));
    }

    [Theory]
    [InlineData("--Gateway:AccountConcurencyLimit=5", "--Gateway:AccountConcurencyLimit", "Gateway:AccountConcurrencyLimit")]
    [InlineData("--gateway:accountconcurrencylimt=5", "--gateway:accountconcurrencylimt", "Gateway:AccountConcurrencyLimit")]
    [InlineData("--Gateway:Regoin=eu-west-1", "--Gateway:Regoin", "Gateway:Region")]
    [InlineData("--max-enviroments=5", "--max-enviroments", "--max-environments")]
    [InlineData("--qiuet", "--qiuet", "--quiet")]
    [InlineData("--url=x", "--url", "--urls")]
    [InlineData("--MaxEnvironments=5", "--MaxEnvironments", "--max-environments")]
    [InlineData("--AsyncEventsInMemory=5", "--AsyncEventsInMemory", "Gateway:AsyncEventsInMemory")] // "Gateway:" left out
    public void A_near_miss_suggests_the_option_meant(string arg, string named, string meant)
    {
        Assert.Equal($"unknown option '{named}'; did you mean {meant}? (see --help)", Refused(arg));
    }

    [Theory]
    [InlineData("--data")]
    [InlineData("--functions")]
    [InlineData("--Gateway:Region")]
    [InlineData("--max-environments")]
    [InlineData("--urls")]
    [InlineData("--Logging:LogLevel:Default")]
    public void A_known_option_without_its_value_is_refused_by_name(string name)
    {
        Assert.StartsWith($"option '{name}' needs a value", Refused(name));
        // The next option is not taken as the value: "--data --quiet" forgot the folder.
        Assert.StartsWith($"option '{name}' needs a value", Refused(name, "--quiet"));
    }

    [Fact]
    public void An_empty_number_is_a_missing_value_not_the_default()
    {
        Assert.Equal("option '--max-environments' needs a value: --max-environments N or --max-environments=N (see --help)", Refused("--max-environments="));
        Assert.Equal(["--Gateway:EventStorePath="], Accepted("--event-store-path="));
    }

    [Theory]
    [InlineData("--Gateway:AccountConcurrencyLimit=lots", "option '--Gateway:AccountConcurrencyLimit' takes a whole number, not 'lots'")]
    [InlineData("--account-concurrency-limit=1.5", "option '--account-concurrency-limit' takes a whole number, not '1.5'")]
    [InlineData("--max-environments=99999999999", "option '--max-environments' takes a whole number, not '99999999999'")]
    [InlineData("--async-clock-rate=fast", "option '--async-clock-rate' takes a number, not 'fast'")]
    [InlineData("--inline-scheduling=yes", "option '--inline-scheduling' takes true or false, not 'yes'")]
    [InlineData("--quiet=1", "option '--quiet' takes true or false, not '1'")]
    public void A_value_of_the_wrong_type_is_refused_in_one_line(string arg, string message)
    {
        Assert.Equal(message, Refused(arg));
    }

    [Theory]
    [InlineData("--request-body-buffer-bytes=40000000000", "--Gateway:RequestBodyBufferBytes=40000000000")]
    [InlineData("--async-clock-rate=1e3", "--Gateway:AsyncClockRate=1e3")]
    [InlineData("--init-timeout-seconds=2.5", "--Gateway:InitTimeoutSeconds=2.5")]
    public void Values_the_binder_converts_are_accepted(string arg, string expected)
    {
        Assert.Equal([expected], Accepted(arg));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_asked_for_anywhere_before_an_error(string help)
    {
        Assert.True(CommandLineParser.Parse([help]).Help);
        Assert.True(CommandLineParser.Parse(["--data", "d", help, "--cluster"]).Help);
    }

    [Fact]
    public void Does_not_modify_its_input()
    {
        string[] args = ["--quiet", "--data", "d"];
        CommandLineParser.Parse(args);
        Assert.Equal(["--quiet", "--data", "d"], args);
    }
}
