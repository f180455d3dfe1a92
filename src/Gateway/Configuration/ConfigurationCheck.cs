using System.Collections;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Gateway.Configuration;

/// <summary>
/// Refuses, before anything starts, every key under <c>Gateway:</c> that <see cref="GatewayOptionTable"/> does not
/// know and every value the binder could not convert, from every configuration source, naming the source.
/// CreateSlimBuilder reads, in this order (later wins): environment variables prefixed <c>ASPNETCORE_</c> and
/// <c>DOTNET_</c> (the prefix is dropped, so <c>DOTNET_Gateway__Region</c> is Gateway:Region), the command line,
/// appsettings.json and appsettings.{environment}.json in the content root, environment variables without a prefix
/// (<c>Gateway__Region</c>), and the command line again. Each provider is asked for its own keys, so a key is
/// reported with the source that holds it even when another source overrides its value.
/// </summary>
internal static class ConfigurationCheck
{
    private const string Section = "Gateway";

    /// <summary>The environment-variable prefixes CreateSlimBuilder adds providers for; "" is the unprefixed one.</summary>
    private static readonly string[] EnvironmentPrefixes = ["", "DOTNET_", "ASPNETCORE_"];

    /// <summary>One message per problem (empty when there is none), in source order.</summary>
    public static IReadOnlyList<string> Problems(IConfigurationRoot configuration, IDictionary environment)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal); // the command line and the environment appear twice
        foreach (var provider in configuration.Providers)
        {
            foreach (string child in ChildKeys(provider, Section))
            {
                string key = $"{Section}:{child}";
                var option = GatewayOptionTable.All.FirstOrDefault(o => o.IsGatewaySetting && o.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
                string? problem;
                if (option is null)
                {
                    string? suggestion = NearMiss.Closest(key, GatewayOptionTable.All.Where(o => o.IsGatewaySetting).Select(o => o.Key));
                    problem = $"unknown setting {key}" + (suggestion is null ? "" : $"; did you mean {suggestion}?");
                }
                else if (ChildKeys(provider, key).FirstOrDefault() is string grandchild)
                {
                    // Every Gateway setting is a single value: Gateway:Region:Name is a mistake, not a section.
                    problem = $"unknown setting {key}:{grandchild} ({option.Key} is a single value)";
                }
                else if (provider.TryGet(key, out string? value) && value is not null && !option.Accepts(value))
                {
                    problem = $"{option.Key} takes {option.Expected}, not '{value}'";
                }
                else
                {
                    continue;
                }
                foreach (string source in Sources(provider, key, environment))
                {
                    string message = $"{problem} (from {source}; see --help)";
                    if (seen.Add(message))
                    {
                        problems.Add(message);
                    }
                }
            }
        }
        return problems;
    }

    private static bool IsOrIsBelow(string candidate, string key)
        => candidate.StartsWith(key, StringComparison.OrdinalIgnoreCase) && (candidate.Length == key.Length || candidate[key.Length] == ':');

    /// <summary>The distinct names one level below <paramref name="parent"/> in this provider alone.</summary>
    private static IEnumerable<string> ChildKeys(IConfigurationProvider provider, string parent)
        => provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where a key came from, as the user wrote it: the environment variable's own name, the file's path.</summary>
    private static IEnumerable<string> Sources(IConfigurationProvider provider, string key, IDictionary environment)
    {
        switch (provider)
        {
            case EnvironmentVariablesConfigurationProvider:
                // The provider does not expose its prefix or the variable's spelling; find the variables that map to
                // the key, or to a key below it, the way it maps them (prefix dropped case-insensitively, "__" read as ":").
                var names = environment.Keys.OfType<string>().Where(name => EnvironmentPrefixes.Any(prefix =>
                        name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                        && IsOrIsBelow(name[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), key)))
                    .Order(StringComparer.Ordinal).ToList();
                return names.Count == 0 ? ["an environment variable"] : names.Select(name => "environment variable " + name);
            case CommandLineConfigurationProvider:
                return ["the command line"];
            case FileConfigurationProvider file:
                // The full path: appsettings.json is read from the content root, which need not be the working directory.
                return [(file.Source.Path is { } path ? file.Source.FileProvider?.GetFileInfo(path).PhysicalPath ?? path : null) ?? "a configuration file"];
            default:
                return [provider.ToString() ?? provider.GetType().Name];
        }
    }
}
