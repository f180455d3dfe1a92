namespace Gateway.Configuration;

/// <summary>What the command line asked for: help, a start with these configuration arguments, or a refusal.</summary>
internal readonly record struct CommandLineResult(bool Help, string[] Arguments, string? Error)
{
    public static CommandLineResult Refused(string error) => new(false, [], error);
}

/// <summary>
/// Turns the gateway's command line into ASP.NET Core command-line configuration, refusing what it does not know.
/// Accepted, for every row of <see cref="GatewayOptionTable"/>: its switches (<c>--data DIR</c>, <c>--data=DIR</c>)
/// and its configuration key (<c>--Gateway:DataDirectory=DIR</c>, <c>--Gateway:DataDirectory DIR</c>); plus keys
/// under the pass-through sections (<c>--Logging:…</c>, <c>--Kestrel:…</c>). Names are case-insensitive, as
/// configuration keys are. Each accepted option becomes one <c>--Key=value</c> argument with the table's spelling
/// of the key, in order (so the last one given wins, as in ASP.NET Core).
/// Refused: anything else — ASP.NET Core would silently ignore a positional word and bind a misspelt key to
/// nothing, leaving the default in place — a known option without its value, and a value its type cannot hold.
/// </summary>
internal static class CommandLineParser
{
    public static CommandLineResult Parse(IReadOnlyList<string> args)
    {
        var result = new List<string>(args.Count);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                return new CommandLineResult(true, [], null);
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                return CommandLineResult.Refused(Unknown(arg, suggestion: null));
            }
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            string? inline = equals < 0 ? null : arg[(equals + 1)..];

            if (FindPassThrough(name) is string passThroughKey)
            {
                if (inline is null && !TryTakeValue(args, ref i, out inline))
                {
                    return CommandLineResult.Refused(MissingValue(name, "VALUE"));
                }
                result.Add($"--{passThroughKey}={inline}");
                continue;
            }
            if (Find(name) is not var (option, optionSwitch))
            {
                return CommandLineResult.Refused(Unknown(name, Suggest(name)));
            }

            string value;
            if (option.IsBoolean)
            {
                // A boolean needs no value; a following true/false is taken as its value (--inline-scheduling false).
                if (inline is null && i + 1 < args.Count && bool.TryParse(args[i + 1], out _))
                {
                    inline = args[++i];
                }
                inline ??= "true";
                if (!bool.TryParse(inline, out bool flag))
                {
                    return CommandLineResult.Refused(BadValue(name, inline, option));
                }
                value = (optionSwitch?.Negated == true ? !flag : flag) ? "true" : "false";
            }
            else
            {
                if (inline is null && !TryTakeValue(args, ref i, out inline))
                {
                    return CommandLineResult.Refused(MissingValue(name, option.ValueName));
                }
                if (inline.Length == 0 && option.ValueType != typeof(string))
                {
                    // The binder would skip an empty number and keep the default: say so instead (--max-environments=$UNSET).
                    return CommandLineResult.Refused(MissingValue(name, option.ValueName));
                }
                if (!option.Accepts(inline))
                {
                    return CommandLineResult.Refused(BadValue(name, inline, option));
                }
                value = inline;
                if (option.ExistingDirectory)
                {
                    value = Path.GetFullPath(value);
                    if (!Directory.Exists(value))
                    {
                        return CommandLineResult.Refused($"option '{name}': no such directory '{inline}'");
                    }
                }
            }
            result.Add($"--{option.Key}={value}");
        }
        return new CommandLineResult(false, [.. result], null);
    }

    /// <summary>
    /// The next argument as the value of a <c>--name value</c> option, unless there is none or it is itself an
    /// option: <c>--data --quiet</c> is a forgotten value far more often than a folder called "--quiet"
    /// (which <c>--data=--quiet</c> still names).
    /// </summary>
    private static bool TryTakeValue(IReadOnlyList<string> args, ref int i, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            value = args[++i];
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>The row an option names, by one of its switches or by its configuration key; and which switch.</summary>
    internal static (GatewayOption Option, OptionSwitch? Switch)? Find(string name)
    {
        foreach (var option in GatewayOptionTable.All)
        {
            foreach (var optionSwitch in option.Switches)
            {
                if (name.Equals(optionSwitch.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return (option, optionSwitch);
                }
            }
            if (name.AsSpan(2).Equals(option.Key, StringComparison.OrdinalIgnoreCase))
            {
                return (option, null);
            }
        }
        return null;
    }

    /// <summary>The configuration key of <c>--Logging:…</c> or <c>--Kestrel:…</c>, as given; null for anything else.</summary>
    private static string? FindPassThrough(string name)
    {
        string key = name[2..];
        foreach (var section in GatewayOptionTable.PassThroughSections)
        {
            if (key.Length > section.Length + 1 && key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }
        return null;
    }

    /// <summary>For <c>--Gateway:Key</c>, the nearest Gateway key; for anything else, the nearest switch, or the
    /// nearest Gateway key when the "Gateway:" was left out (<c>--MaxEnvironments=5</c>).</summary>
    private static string? Suggest(string name)
    {
        string key = name[2..];
        var gatewayKeys = GatewayOptionTable.All.Where(o => o.IsGatewaySetting).Select(o => o.Key);
        if (key.StartsWith(GatewayOption.SectionPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return NearMiss.Closest(key, gatewayKeys);
        }
        return NearMiss.Closest(name, GatewayOptionTable.All.SelectMany(o => o.Switches.Select(s => s.Name)))
            ?? NearMiss.Closest(GatewayOption.SectionPrefix + key, gatewayKeys);
    }

    private static string Unknown(string name, string? suggestion)
        => suggestion is null
            ? $"unknown option '{name}' (see --help)"
            : $"unknown option '{name}'; did you mean {suggestion}? (see --help)";

    private static string MissingValue(string name, string valueName)
        => $"option '{name}' needs a value: {name} {valueName} or {name}={valueName} (see --help)";

    private static string BadValue(string name, string value, GatewayOption option)
        => $"option '{name}' takes {option.Expected}, not '{value}'";
}
