namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, pinned in tests/js-sdk/package.json) for the tests that
/// drive the gateway with it. Installed once per test process: tests in different classes run in parallel, and one
/// of them must never read a node_modules another is still writing (that was stop 26's CI failure:
/// "Cannot find module '@aws-sdk/client-lambda'" while the other test's npm install was half done).
/// </summary>
public static class JsSdk
{
    private static readonly Lazy<Task<string>> Installed = new(InstallAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Folder => Path.Combine(TestPaths.RepoRoot, "tests", "js-sdk");

    /// <summary>The node_modules folder holding the SDK, installed before this returns.</summary>
    public static Task<string> NodeModulesAsync() => Installed.Value;

    private static async Task<string> InstallAsync()
    {
        var (exit, stdout, stderr) = await Processes.RunAsync(Path.Combine(Folder, "install.sh"), [], timeoutMs: 300_000);
        if (exit != 0)
        {
            throw new InvalidOperationException($"tests/js-sdk/install.sh failed (exit {exit}): {stdout}{stderr}");
        }
        return Path.Combine(Folder, "node_modules");
    }
}
