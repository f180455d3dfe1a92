using Gateway.Environments.Containment;

namespace Gateway.UnitTests.Environments.Containment;

public sealed class CgroupHierarchyTests
{
    // This machine's shape: v1 controllers, the memory one nested under a container's cgroup, an empty unified tree.
    private const string HybridCgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/855e\n2:cpuacct:/\n1:cpu:/\n0::/\n";

    private const string HybridMounts =
        "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        + "31 25 0:27 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        + "33 25 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        + "37 25 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        + "39 25 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

    [Fact]
    public void A_hybrid_host_whose_unified_tree_has_no_memory_controller_uses_v1()
    {
        var h = CgroupHierarchy.Find(HybridCgroup, HybridMounts, _ => "hugetlb", out var whyNot);

        Assert.NotNull(h);
        Assert.Equal("", whyNot);
        Assert.Equal(1, h.Version);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/855e", h.OwnDirectories["memory"]);
        Assert.Equal("/sys/fs/cgroup/pids", h.OwnDirectories["pids"]);
        Assert.Equal("/sys/fs/cgroup/cpu", h.OwnDirectories["cpu"]);
    }

    [Fact]
    public void Co_mounted_cpu_and_cpuacct_are_found_by_the_mount_options()
    {
        var h = CgroupHierarchy.Find("4:memory:/a\n3:pids:/a\n2:cpu,cpuacct:/a\n",
            "1 0 0:1 / /c/memory rw - cgroup cgroup rw,memory\n2 0 0:2 / /c/pids rw - cgroup cgroup rw,pids\n"
            + "3 0 0:3 / /c/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", _ => null, out _);

        Assert.Equal("/c/cpu,cpuacct/a", h!.OwnDirectories["cpu"]);
    }

    [Fact]
    public void A_unified_hierarchy_with_memory_and_pids_is_preferred()
    {
        var h = CgroupHierarchy.Find("0::/system.slice/gateway.service\n", "40 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
            dir => dir == "/sys/fs/cgroup/system.slice/gateway.service" ? "cpuset cpu io memory pids" : null, out _);

        Assert.Equal(2, h!.Version);
        Assert.Equal("/sys/fs/cgroup/system.slice/gateway.service", h.Unified);
    }

    [Fact]
    public void A_container_mount_whose_root_is_its_own_cgroup_maps_the_path_below_it()
    {
        var h = CgroupHierarchy.Find("0::/docker/abc\n", "40 1 0:40 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            _ => "memory pids", out _);

        Assert.Equal("/sys/fs/cgroup", h!.Unified);
    }

    [Fact]
    public void Without_a_pids_hierarchy_it_says_why()
    {
        var h = CgroupHierarchy.Find("4:memory:/\n1:cpu:/\n0::/\n", HybridMounts, _ => "", out var whyNot);

        Assert.Null(h);
        Assert.Contains("pids", whyNot);
    }
}
