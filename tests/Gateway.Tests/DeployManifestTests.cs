namespace Gateway.Tests;

/// <summary>
/// deploy/k8s checked offline (no cluster here): deploy/k8s/check.py validates every manifest against the vendored,
/// strict Kubernetes schema (deploy/k8s/schema/) and the wiring between them. The real manifests pass; each broken
/// copy below must fail, so the check cannot pass by checking nothing.
/// </summary>
public sealed class DeployManifestTests
{
    private static string K8sDirectory => Path.Combine(TestPaths.RepoRoot, "deploy", "k8s");

    private static Task<(int ExitCode, string Stdout, string Stderr)> CheckAsync(string directory)
        => Processes.RunAsync("python3", [Path.Combine(K8sDirectory, "check.py"), directory]);

    [Fact]
    public async Task The_manifests_pass_the_schema_and_wiring_check()
    {
        var (exit, stdout, stderr) = await CheckAsync(K8sDirectory);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("Deployment/gateway ok", stdout, StringComparison.Ordinal);
        Assert.Contains("StatefulSet/gateway-redis ok", stdout, StringComparison.Ordinal);
        Assert.Contains("Service/gateway ok", stdout, StringComparison.Ordinal);
        Assert.Contains("ConfigMap/gateway-cluster ok", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway.yaml", "periodSeconds: 2", "periodSecond: 2", "unknown property 'periodSecond'")]
    [InlineData("gateway.yaml", "replicas: 3 ", "replicas: \"3\" ", "expected integer")]
    [InlineData("gateway.yaml", "path: /_gateway/ready", "path: /healthz", "not one the gateway serves")]
    [InlineData("gateway.yaml", "key: url", "key: uri", "key 'uri', not defined here")]
    [InlineData("gateway.yaml", "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 20", "terminationGracePeriodSeconds 20")]
    [InlineData("gateway.yaml", "- $(POD_NAME)", "- $(NODE_NAME)", "$(NODE_NAME) in args is not an env var")]
    [InlineData("gateway.yaml", "      targetPort: http", "      targetPort: web", "targetPort 'web'")]
    [InlineData("redis.yaml", "serviceName: gateway-redis", "serviceName: redis", "serviceName 'redis' is not a Service")]
    [InlineData("redis.yaml", "          image: redis:7.0\n", "          image: redis:7.0\n          imagePullPolicy2: Always\n", "unknown property 'imagePullPolicy2'")]
    [InlineData("config.yaml", "kind: ConfigMap", "kind: ConfigMapp", "not a kind this check knows")]
    public async Task A_broken_manifest_fails_the_check(string file, string find, string replace, string expected)
    {
        var copy = Directory.CreateTempSubdirectory("gateway-k8s-").FullName;
        try
        {
            foreach (var yaml in Directory.GetFiles(K8sDirectory, "*.yaml"))
            {
                File.Copy(yaml, Path.Combine(copy, Path.GetFileName(yaml)));
            }
            var path = Path.Combine(copy, file);
            var text = await File.ReadAllTextAsync(path);
            Assert.Contains(find, text, StringComparison.Ordinal); // the mutation applies to the real manifest
            await File.WriteAllTextAsync(path, text.Replace(find, replace, StringComparison.Ordinal));
            var (exit, stdout, stderr) = await CheckAsync(copy);
            Assert.True(exit != 0, $"the check passed a broken {file}:\n{stdout}{stderr}");
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
