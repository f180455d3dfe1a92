using System.Collections;
using Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Gateway.UnitTests.Configuration;

public class ConfigurationCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-config-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Json(string text)
    {
        string path = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static IReadOnlyList<string> Problems(IConfigurationBuilder builder, IDictionary? environment = null)
        => ConfigurationCheck.Problems(builder.Build(), environment ?? new Hashtable());

    [Fact]
    public void Known_keys_in_any_case_and_empty_values_pass()
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Json("""{ "Gateway": { "Region": "eu-west-1", "accountconcurrencylimit": 5, "BurstCapacity": "" }, "Logging": { "X": 1 } }"""))
            .AddCommandLine(["--GATEWAY:MAXENVIRONMENTS=4", "--urls=http://127.0.0.1:1", "--Unrelated=1"]);

        Assert.Empty(Problems(builder));
    }

    [Fact]
    public void An_unknown_key_in_a_file_is_named_with_the_file_and_the_key_meant()
    {
        string path = Json("""{ "Gateway": { "AccountConcurencyLimit": 5, "Federation": "x" } }""");

        Assert.Equal(
            [
                $"unknown setting Gateway:AccountConcurencyLimit; did you mean Gateway:AccountConcurrencyLimit? (from {path}; see --help)",
                $"unknown setting Gateway:Federation (from {path}; see --help)",
            ],
            Problems(new ConfigurationBuilder().AddJsonFile(path)));
    }

    [Fact]
    public void A_key_below_a_setting_is_unknown()
    {
        Assert.Equal(
            ["unknown setting Gateway:Region:Name (Gateway:Region is a single value) (from the command line; see --help)"],
            Problems(new ConfigurationBuilder().AddCommandLine(["--Gateway:Region:Name=x"])));
    }

    [Fact]
    public void A_value_the_binder_cannot_convert_is_named_with_its_source()
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Json("""{ "Gateway": { "AccountConcurrencyLimit": "lots" } }"""))
            .AddCommandLine(["--Gateway:InlineScheduling=yes", "--Gateway:AsyncClockRate=2"]);

        Assert.Equal(
            [
                $"Gateway:AccountConcurrencyLimit takes a whole number, not 'lots' (from {Path.Combine(_directory, "appsettings.json")}; see --help)",
                "Gateway:InlineScheduling takes true or false, not 'yes' (from the command line; see --help)",
            ],
            Problems(builder));
    }

    [Fact]
    public void A_value_overridden_by_a_later_source_is_still_refused()
    {
        // A mistake in appsettings.json would come back the day the command line stops overriding it.
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Json("""{ "Gateway": { "AccountConcurrencyLimit": "lots" } }"""))
            .AddCommandLine(["--Gateway:AccountConcurrencyLimit=5"]);

        Assert.Single(Problems(builder));
    }

    [Fact]
    public void Environment_variables_are_named_as_they_were_set_with_or_without_a_prefix()
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string plain = $"Gateway__Regoin{suffix}", prefixed = $"DOTNET_gateway__Regoin{suffix}";
        Environment.SetEnvironmentVariable(plain, "x");
        Environment.SetEnvironmentVariable(prefixed, "y");
        try
        {
            // As CreateSlimBuilder adds them: DOTNET_ first, the unprefixed provider later.
            var builder = new ConfigurationBuilder().AddEnvironmentVariables("DOTNET_").AddEnvironmentVariables();

            var problems = Problems(builder, Environment.GetEnvironmentVariables());

            Assert.Equal(2, problems.Count);
            Assert.All(problems, p => Assert.StartsWith($"unknown setting Gateway:Regoin{suffix} (from environment variable ", p, StringComparison.OrdinalIgnoreCase));
            Assert.Contains(problems, p => p.Contains($"environment variable {plain};", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains($"environment variable {prefixed};", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable(plain, null);
            Environment.SetEnvironmentVariable(prefixed, null);
        }
    }

    [Fact]
    public void A_section_under_Gateway_from_an_environment_variable_is_named_by_the_variable()
    {
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string variable = $"DOTNET_Gateway__Cluster{suffix}__Name";
        Environment.SetEnvironmentVariable(variable, "x");
        try
        {
            var problems = Problems(new ConfigurationBuilder().AddEnvironmentVariables("DOTNET_"), Environment.GetEnvironmentVariables());

            Assert.Equal([$"unknown setting Gateway:Cluster{suffix} (from environment variable {variable}; see --help)"], problems);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_near_miss_from_an_environment_variable_suggests_the_key()
    {
        var environment = new Hashtable { ["ASPNETCORE_Gateway__Regoin"] = "x" };
        var builder = new ConfigurationBuilder().AddInMemoryCollection([new("Gateway:Regoin", "x")]);

        // A provider that is not an environment or file provider is named by its own description.
        Assert.Equal(["unknown setting Gateway:Regoin; did you mean Gateway:Region? (from MemoryConfigurationProvider; see --help)"], Problems(builder, environment));
    }
}
