namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The real aws CLI (botocore) pointed at a test gateway with --endpoint-url, in a folder of its own (its config,
/// and files such as invoke's output). aws-cli v2 (Debian's awscli) reads --payload as base64 unless told
/// otherwise; v1 ignores the setting. One attempt only, unless a test sets its own retry mode.
/// </summary>
public sealed class AwsCli : IDisposable
{
    private readonly string _binary;

    /// <param name="binary">"aws" (the first on PATH: pyenv's aws-cli 1.x here) or "/usr/bin/aws" (Debian's aws-cli 2).</param>
    public AwsCli(string binary = "aws")
    {
        _binary = binary;
        Directory = System.IO.Directory.CreateTempSubdirectory("aws-cli-").FullName;
        File.WriteAllText(ConfigFile, "[default]\ncli_binary_format = raw-in-base64-out\nregion = us-east-1\n");
    }

    /// <summary>The CLI's working folder (relative output files land here).</summary>
    public string Directory { get; }

    public string ConfigFile => Path.Combine(Directory, "config");

    /// <summary>Runs <c>aws --endpoint-url … lambda &lt;args&gt;</c>; <paramref name="environment"/> adds to or overrides the defaults.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LambdaAsync(GatewayProcess gateway, string[] args, IReadOnlyDictionary<string, string>? environment = null)
        => ServiceAsync(gateway, "lambda", args, environment);

    /// <summary>Runs <c>aws --endpoint-url … logs &lt;args&gt;</c> (CloudWatch Logs, served by the gateway too).</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LogsAsync(GatewayProcess gateway, params string[] args)
        => ServiceAsync(gateway, "logs", args, null);

    /// <summary>The variables every run gets: dummy credentials, the region, no pager, one attempt, this folder's config.</summary>
    public Dictionary<string, string> Environment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_PAGER"] = "",
        ["AWS_MAX_ATTEMPTS"] = "1",
        ["AWS_CONFIG_FILE"] = ConfigFile,
    };

    public string Binary => _binary;

    private Task<(int ExitCode, string Stdout, string Stderr)> ServiceAsync(GatewayProcess gateway, string service, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var variables = Environment();
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }
        return Processes.RunAsync(_binary, ["--endpoint-url", gateway.BaseAddress.ToString().TrimEnd('/'), service, .. args], variables, Directory, 120_000);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
