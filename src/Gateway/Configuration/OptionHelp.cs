using System.Text;

namespace Gateway.Configuration;

/// <summary>The text of <c>--help</c>: every row of <see cref="GatewayOptionTable"/>, grouped, with its key and default.</summary>
internal static class OptionHelp
{
    private static readonly (OptionGroup Group, string Heading)[] Headings =
    [
        (OptionGroup.Server, "Server"),
        (OptionGroup.Functions, "Functions"),
        (OptionGroup.Admission, "Admission and throttling"),
        (OptionGroup.Async, "Async (Event) invocations"),
        (OptionGroup.Cluster, "Cluster (several nodes on Redis)"),
        (OptionGroup.Limits, "Limits"),
        (OptionGroup.Diagnostics, "Diagnostics"),
    ];

    public static string Render()
    {
        var text = new StringBuilder();
        text.Append("""
            Usage: Gateway [options]

            Serves Lambda's Invoke API and runs each function in its own worker processes.
            Every option takes its value as --name VALUE or --name=VALUE (booleans need none). Each Gateway:Key
            below can also be given as --Gateway:Key=VALUE, under "Gateway" in appsettings.json, or as the
            environment variable Gateway__Key (also with a DOTNET_ or ASPNETCORE_ prefix). Names are
            case-insensitive. An unknown option or Gateway key, or a value of the wrong type, stops the start.

            """);
        foreach (var (group, heading) in Headings)
        {
            text.Append('\n').Append(heading).Append('\n');
            foreach (var option in GatewayOptionTable.All.Where(o => o.Group == group))
            {
                text.Append("  ").Append(Spelling(option));
                text.Append("   [").Append(option.Key).Append(", default: ").Append(option.Default).Append("]\n");
                text.Append("      ").Append(option.Help).Append('\n');
            }
        }
        text.Append("""

            Also passed to ASP.NET Core: --Logging:… (e.g. --Logging:LogLevel:Default=Debug) and --Kestrel:….
              -h, --help   print this and exit

            """);
        return text.ToString();
    }

    /// <summary><c>--data DIR</c>; <c>--inline-scheduling [BOOL]</c>; <c>--echo-function-logs [BOOL], --quiet</c>.</summary>
    internal static string Spelling(GatewayOption option)
    {
        string value = option.IsBoolean ? $" [{option.ValueName}]" : " " + option.ValueName;
        return string.Join(", ", option.Switches.Select(s => s.Negated ? s.Name : s.Name + value));
    }
}
