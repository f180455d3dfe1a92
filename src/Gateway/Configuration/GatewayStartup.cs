namespace Gateway.Configuration;

/// <summary>
/// The two start-up gates Program.cs calls: the command line before the host is built (help, or refuse what is
/// unknown), and every configuration source after it is built and before anything binds or starts.
/// A refusal is one line per problem on stderr and exit code 2 (usage error), never a stack trace.
/// </summary>
internal static class GatewayStartup
{
    public const int UsageError = 2;

    /// <summary>Null to go on with <paramref name="normalized"/> as the host's arguments; otherwise the exit code.</summary>
    public static int? HandleCommandLine(string[] args, out string[] normalized)
    {
        var result = CommandLineParser.Parse(args);
        normalized = result.Arguments;
        if (result.Help)
        {
            Console.Out.Write(OptionHelp.Render());
            return 0;
        }
        if (result.Error is not null)
        {
            Console.Error.WriteLine("gateway: " + result.Error);
            return UsageError;
        }
        return null;
    }

    /// <summary>Null when the admission settings can be honoured together (ranges, the minimum within the limit);
    /// otherwise one line each and the exit code.</summary>
    public static int? CheckAdmission(GatewayOptions options)
    {
        List<string> problems;
        try
        {
            problems = [.. options.ToAdmissionOptions().Problems()];
        }
        catch (InvalidOperationException e)
        {
            problems = [e.Message]; // an unknown burst model
        }
        foreach (string problem in problems)
        {
            Console.Error.WriteLine("gateway: " + problem);
        }
        return problems.Count == 0 ? null : UsageError;
    }

    /// <summary>Null when every Gateway: key is known and every value converts; otherwise the exit code.</summary>
    public static int? CheckConfiguration(IConfiguration configuration)
    {
        var problems = ConfigurationCheck.Problems((IConfigurationRoot)configuration, Environment.GetEnvironmentVariables());
        foreach (string problem in problems)
        {
            Console.Error.WriteLine("gateway: " + problem);
        }
        return problems.Count == 0 ? null : UsageError;
    }
}
