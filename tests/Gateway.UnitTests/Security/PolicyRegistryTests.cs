using Gateway.Functions.Registry;
using Gateway.Security.Policies;
using Gateway.UnitTests.Management;

namespace Gateway.UnitTests.Security;

public sealed class PolicyRegistryTests
{
    private static ResourcePolicy Policy(string function, string qualifier = "") =>
        new(function, qualifier, Guid.NewGuid().ToString(), [new PolicyStatement("s", PolicyPrincipal.Anyone, "lambda:InvokeFunction", Records.ArnOf(function), [])]);

    [Fact]
    public void Policies_survive_in_sqlite_and_those_of_gone_functions_are_dropped_at_start()
    {
        string path = Path.Combine(Path.GetTempPath(), "policies-" + Guid.NewGuid().ToString("N"), "registry.db");
        try
        {
            var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1"))), null);
            using (var store = SqlitePolicyStore.Open(path))
            {
                foreach (var policy in new[] { Policy("f"), Policy("f", "live"), Policy("f", "1"), Policy("gone"), Policy("f", "old") })
                {
                    store.Save(policy);
                }
            }
            using (var store = SqlitePolicyStore.Open(path))
            {
                var registry = new PolicyRegistry(functions, store);
                Assert.Equal(3, registry.Current.Count);
                Assert.True(registry.Current.TryGet("f", "live", out var live));
                Assert.Equal("s", live.Statements[0].Sid);
            }
            using (var store = SqlitePolicyStore.Open(path))
            {
                Assert.Equal(3, store.Load().Count); // the orphans were deleted from the store too
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Deleting_a_function_or_an_alias_drops_its_policies()
    {
        var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f", published: 1).WithAlias(Records.Alias("f", "live", "1")), Records.Function("g")), null);
        var registry = new PolicyRegistry(functions, null);
        foreach (var policy in new[] { Policy("f"), Policy("f", "live"), Policy("g") })
        {
            registry.Change((_, _) => (policy, 0));
        }
        Assert.Equal(3, registry.Current.Count);
        functions.Change(s => (new RegistrySnapshot(s.Revision + 1, s.All.Where(f => f.Name != "g").Select(f => f with { Aliases = f.Aliases.Clear() })), 0));
        Assert.Equal(1, registry.Current.Count);
        Assert.True(registry.Current.TryGet("f", "", out _));
    }

    [Fact]
    public void A_policy_left_with_no_statement_is_deleted()
    {
        var functions = new FunctionRegistry(Records.Snapshot(Records.Function("f")), null);
        var registry = new PolicyRegistry(functions, null);
        var policy = Policy("f");
        registry.Change((_, _) => (policy, 0));
        registry.Change((_, _) => (policy with { Statements = [] }, 0));
        Assert.Equal(0, registry.Current.Count);
    }
}
