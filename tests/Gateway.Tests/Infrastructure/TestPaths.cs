namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Where the things under test are: the published native gateway and sample bootstrap (./test.sh publishes
/// them and exports GATEWAY_BIN / GATEWAY_SAMPLES_DIR / GATEWAY_NODE_RIC_DIR), and the repo's own folders.
/// A missing binary fails the test with the command that builds it; nothing is skipped silently.
/// </summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string GatewayBinary => Require(Environment.GetEnvironmentVariable("GATEWAY_BIN") ?? Path.Combine(RepoRoot, "artifacts", "gateway", "Gateway"));

    public static string SamplesDirectory => RequireDirectory(Environment.GetEnvironmentVariable("GATEWAY_SAMPLES_DIR") ?? Path.Combine(RepoRoot, "artifacts", "samples"), "bootstrap");

    public static string BashEchoDirectory => RequireDirectory(Path.Combine(RepoRoot, "src", "Functions", "bash-echo"), "bootstrap");

    public static string NodeRicDirectory => RequireDirectory(Environment.GetEnvironmentVariable("GATEWAY_NODE_RIC_DIR") ?? Path.Combine(RepoRoot, "artifacts", "node-ric"), "node_modules/aws-lambda-ric/package.json");

    public static string NodeEchoDirectory => RequireDirectory(Path.Combine(RepoRoot, "tests", "fixtures", "node-echo"), "bootstrap");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Require(string file) => File.Exists(file)
        ? file
        : throw new FileNotFoundException($"{file} is missing: run ./test.sh (or scripts/publish.sh), which publishes the native binaries the tests run.");

    private static string RequireDirectory(string dir, string mustContain) => File.Exists(Path.Combine(dir, mustContain))
        ? dir
        : throw new FileNotFoundException($"{Path.Combine(dir, mustContain)} is missing: run ./test.sh, which builds it.");
}
