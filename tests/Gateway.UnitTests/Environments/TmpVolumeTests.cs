using Gateway.Environments;
using Gateway.Functions;
using Gateway.UnitTests.Admission;

namespace Gateway.UnitTests.Environments;

/// <summary>
/// A reset environment's /tmp waits in its pool for the next environment of the same code (Lambda keeps /tmp across a
/// reset): real folders, and a real tmpfs mount where this process may mount (root), as the gateway makes them.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TmpVolumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tmpvolume-").FullName;
    private readonly ManualTimeProvider _clock = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static FunctionDefinition Function(int ephemeralMb = 512) => new()
    {
        Name = "f", Arn = "arn:aws:lambda:us-east-1:000000000000:function:f", CodeDirectory = "/host/code/abc",
        Bootstrap = "/host/code/abc/bootstrap", Handler = "index.handler", EphemeralStorageMb = ephemeralMb,
    };

    [Fact]
    public void A_kept_volume_goes_to_the_next_environment_of_the_same_code_only()
    {
        var code = Function();
        var newCode = Function();
        var spares = new SpareTmpVolumes(_clock);
        var tmp = TmpVolume.Folder(_root, "env-1", code);
        File.WriteAllText(Path.Combine(tmp.HostPath, "cache"), "kept");

        Assert.True(spares.Keep(tmp, code, out var evicted));
        Assert.Null(evicted);
        Assert.Null(spares.Take(newCode)); // other code (after an update) starts on a new /tmp
        var taken = spares.Take(code);
        Assert.Same(tmp, taken);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(taken!.HostPath, "cache")));
        Assert.Null(spares.Take(code)); // taken once

        Assert.False(spares.Keep(TmpVolume.Folder(_root, "env-2", code), newCode, out _)); // the pool's code changed
    }

    [Fact]
    public void A_handed_over_volume_is_free_only_once_the_environment_that_left_it_has_ended()
    {
        var tmp = TmpVolume.Folder(_root, "env-f", Function());
        Assert.True(tmp.Free.IsCompleted); // new: nobody else uses it
        var first = tmp.InUseUntilFreed(); // a reset: the old environment's SIGTERM and SHUTDOWN may still run
        Assert.False(tmp.Free.IsCompleted);
        first.TrySetResult(); // its processes are gone
        Assert.True(tmp.Free.IsCompletedSuccessfully);

        // Taken, and handed on again by the next environment's reset: the first one's late clean-up completing its own
        // source again does not free the volume for a third environment while the second is still ending.
        tmp.InUseUntilFreed();
        first.TrySetResult();
        Assert.False(tmp.Free.IsCompleted);
    }

    [Fact]
    public void Past_the_bound_the_oldest_is_pushed_out_and_unused_ones_go_after_the_keep_alive()
    {
        var code = Function();
        var spares = new SpareTmpVolumes(_clock);
        var volumes = Enumerable.Range(0, SpareTmpVolumes.MaxKept + 1).Select(i => TmpVolume.Folder(_root, "env-" + i, code)).ToList();
        TmpVolume? evicted = null;
        foreach (var tmp in volumes)
        {
            Assert.True(spares.Keep(tmp, code, out evicted));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Same(volumes[0], evicted);
        Assert.Equal(SpareTmpVolumes.MaxKept, spares.Count);

        // The 64 kept were kept 1…64 s ago: a 30 s keep-alive releases those kept 30 s ago or more, and their folders go.
        spares.ReleaseIdle(TimeSpan.FromSeconds(30), code);
        Assert.Equal(29, spares.Count);
        Assert.False(Directory.Exists(volumes[1].HostPath));
        Assert.True(Directory.Exists(volumes[^1].HostPath));
        spares.ReleaseAll();
        Assert.Equal(0, spares.Count);
        Assert.False(Directory.Exists(volumes[^1].HostPath));
    }

    [Fact]
    public void As_root_a_volume_is_a_tmpfs_of_EphemeralStorage_that_a_killed_gateways_cleanup_unmounts()
    {
        if (!TmpVolume.CanMount(_root))
        {
            Assert.NotEqual("root", Environment.UserName); // only a non-root run may skip the mount
            return;
        }
        var tmp = TmpVolume.Mount(_root, "env-m", Function(ephemeralMb: 2), uid: 200_777)!;
        Assert.True(tmp.IsMount);
        // The function's worker user's alone: on the host it sits in the data folder, which others may pass through.
        var info = new DirectoryInfo(tmp.HostPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, info.UnixFileMode);
        Assert.Contains("uid=200777", File.ReadAllLines("/proc/self/mounts").Single(l => l.Contains($" {tmp.HostPath} ", StringComparison.Ordinal)));
        Assert.Contains($" {tmp.HostPath} tmpfs ", File.ReadAllText("/proc/self/mounts"));
        // EphemeralStorage is its size: a write past 2 MB fails with ENOSPC.
        var big = Path.Combine(tmp.HostPath, "big");
        Assert.Throws<IOException>(() => File.WriteAllBytes(big, new byte[3 << 20]));

        TmpVolume.RemoveLeftover(tmp.HostPath); // what the next start does with a killed gateway's mount
        Assert.DoesNotContain($" {tmp.HostPath} tmpfs ", File.ReadAllText("/proc/self/mounts"));
        Assert.False(Directory.Exists(tmp.HostPath));
    }
}
