using Gateway.Functions.Registry;
using Gateway.UnitTests.Management;

namespace Gateway.UnitTests.Functions.Registry;

/// <summary>
/// FunctionRegistry against a shared store that loses races (cluster mode): the registry catches up to the other
/// node's change, applies it to its listeners, and computes its own change again on the newer snapshot — so no change
/// is lost and every check runs on the latest state; past the attempt limit the conflict reaches the caller.
/// </summary>
public sealed class RegistryConflictTests
{
    [Fact]
    public void A_lost_race_catches_up_and_computes_the_change_again_on_the_newer_snapshot()
    {
        var store = new RacingStore(losses: 1, otherNodesChange: s => s.With(Records.Function("from-other-node")));
        var registry = new FunctionRegistry(Records.Snapshot(), store);
        var seen = new List<string>();
        registry.Subscribe(new Listener(seen));
        var computedOn = new List<int>();

        var result = registry.Change(s =>
        {
            computedOn.Add(s.Count);
            return (s.With(Records.Function("mine")), "done");
        });

        Assert.Equal("done", result);
        Assert.Equal([0, 1], computedOn); // again, on the snapshot that has the other node's function
        Assert.True(registry.Current.TryGet("from-other-node", out _));
        Assert.True(registry.Current.TryGet("mine", out _));
        Assert.Equal(["from-other-node", "from-other-node,mine"], seen); // the host saw both, in order
    }

    [Fact]
    public void A_check_that_passed_before_the_race_is_made_again_after_it()
    {
        // Both nodes create "f": the second computes again, sees the name taken and refuses (nothing to save).
        var store = new RacingStore(losses: 1, otherNodesChange: s => s.With(Records.Function("f")));
        var registry = new FunctionRegistry(Records.Snapshot(), store);
        var result = registry.Change(s => s.TryGet("f", out _) ? (s, "exists") : (s.With(Records.Function("f")), "created"));
        Assert.Equal("exists", result);
        Assert.Equal(1, store.Saves);
    }

    [Fact]
    public void Losing_every_race_reaches_the_caller_as_a_conflict_and_changes_nothing_of_its_own()
    {
        var store = new RacingStore(losses: int.MaxValue, otherNodesChange: s => s);
        var registry = new FunctionRegistry(Records.Snapshot(), store);
        var conflict = Assert.Throws<RegistryConflictException>(() => registry.Change(s => (s.With(Records.Function("mine")), 0)));
        Assert.StartsWith("The operation cannot be performed at this time.", conflict.Message);
        Assert.Equal(FunctionRegistry.MaxConflictAttempts, store.Saves);
        Assert.False(registry.Current.TryGet("mine", out _));
    }

    private sealed class RacingStore(int losses, Func<RegistrySnapshot, RegistrySnapshot> otherNodesChange) : IRegistryStore
    {
        private int _losses = losses;

        public int Saves { get; private set; }

        public PersistedRegistry Load() => new([], new HashSet<string>());

        public void Save(RegistrySnapshot previous, RegistrySnapshot next)
        {
            Saves++;
            if (_losses-- > 0)
            {
                throw new RegistryConflictException("The operation cannot be performed at this time. An update is in progress for resource: x", otherNodesChange);
            }
        }
    }

    private sealed class Listener(List<string> seen) : IRegistryListener
    {
        public void Apply(RegistrySnapshot previous, RegistrySnapshot next) => seen.Add(string.Join(",", next.All.Select(f => f.Name).Order()));
    }
}
