using Gateway.Environments.Containment;

namespace Gateway.UnitTests.Environments.Containment;

public sealed class CgroupLimitsTests
{
    [Theory]
    [InlineData(128, 74, 7)]
    [InlineData(1769, 1024, 100)]
    [InlineData(3538, 2048, 200)]
    [InlineData(10240, 5928, 579)]
    public void CPU_weight_is_proportional_to_memory_one_vcpu_per_1769_MB(int memoryMb, int shares, int weight)
    {
        var limits = CgroupLimits.For(memoryMb);

        Assert.Equal(shares, limits.CpuShares);
        Assert.Equal(weight, limits.CpuWeight);
        Assert.Equal(memoryMb * 1024L * 1024, limits.MemoryBytes);
        Assert.Equal(1024, limits.PidsMax);
    }

    [Fact]
    public void V1_writes_memsw_after_the_memory_limit_only_when_swap_is_accounted()
    {
        var files = CgroupLimits.For(128).V1Files(withSwap: true).Select(f => f.File).ToList();

        Assert.Equal(["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max", "cpu.shares"], files);
        Assert.DoesNotContain("memory.memsw.limit_in_bytes", CgroupLimits.For(128).V1Files(withSwap: false).Select(f => f.File));
    }

    [Fact]
    public void V2_kills_the_whole_group_on_OOM_and_forbids_swap()
    {
        var files = CgroupLimits.For(256).V2Files(withCpu: true).ToDictionary(f => f.File, f => f.Value);

        Assert.Equal("268435456", files["memory.max"]);
        Assert.Equal("0", files["memory.swap.max"]);
        Assert.Equal("1", files["memory.oom.group"]);
        Assert.Equal("14", files["cpu.weight"]);
    }

    [Fact]
    public void The_oom_kill_counter_is_read_from_either_version_s_file()
    {
        Assert.Equal(2, CgroupCounters.Read("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill"));
        Assert.Equal(1, CgroupCounters.Read("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n", "oom_kill"));
        Assert.Equal(0, CgroupCounters.Read("oom_kill_disable 0\n", "oom_kill"));
    }
}
